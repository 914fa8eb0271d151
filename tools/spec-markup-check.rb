#!/usr/bin/env ruby
# SPDX-License-Identifier: MIT
# spec-markup-check.rb HTML: fail when AsciiDoc markup shows through in the
# rendered prose (a backtick outside code: an unbalanced `code` span, `C++`
# read as a passthrough, a possessive after a code span). asciidoctor warns
# about none of these.
html = File.read(ARGV[0]) rescue abort("spec: cannot read #{ARGV[0]}: run make spec")
text = html.gsub(%r{<(pre|code|script|style)\b[^>]*>.*?</\1>}m, '').gsub(/<[^>]+>/, '')
bad = text.lines.grep(/`/)
bad.first(10).each { |l| warn "spec: markup shows through: #{l.strip[0, 100]}" }
abort "spec: #{bad.size} line(s) of the HTML show raw AsciiDoc markup (see above)" unless bad.empty?
