#!/usr/bin/env ruby
# SPDX-License-Identifier: MIT
# frozen_string_literal: true
#
# spec-src-check.rb DIR: check the inline source references of the mtfork
# specification, so that a marked claim about a libc can be re-checked in
# minutes and a malformed reference fails `make spec`.
#
# A source reference is an AsciiDoc span with the role `src` (rendered small,
# after the claim it supports):
#
#   [.src]#REF; REF; ...#
#   REF   = LIBC [VER] ": " ITEM (", " ITEM)*
#   LIBC  = glibc | musl | gcc | linux
#   VER   = 2.36 | 1.2.3 | 2.41+ (and later) | 2.36-2.42 (a range)
#   ITEM  = `path/file.c` [`+function+`]   a file (with a directory; write
#                                          a + of it as {plus}) and
#                                          optionally a function in it
#         | commit HEX                     7 to 40 hexadecimal digits
#         | bug N                          the libc's bug tracker (glibc:
#                                          sourceware Bugzilla)
#         | release notes                  the release announcement of VER
#
# Example:
#   [.src]#glibc 2.36: `posix/fork.c` `+__libc_fork+`; glibc: commit 52a103e237, bug 24595#
#
# A span may continue over several source lines (it ends at the next '#').
# One line per problem on standard error, naming file:line and the fix; exit
# status 1 if there was any.

PROG = 'spec-src-check'
LIBCS = %w[glibc musl gcc linux].freeze
VER = /\d+(?:\.\d+)+(?:\+|-\d+(?:\.\d+)+)?/
PATH_RE = %r{[A-Za-z0-9_.+-]+(?:/[A-Za-z0-9_.+*-]+)+}
FUNC = /`\+?[A-Za-z_][A-Za-z0-9_]*(?:\(\))?\+?`/
ITEM = /\A(?:`#{PATH_RE}`(?: #{FUNC})?|commit [0-9a-f]{7,40}|bug [1-9][0-9]*|release notes)\z/
FORM = '[.src]#glibc 2.36: `dir/file.c` `+function+`; musl: commit 0123abcd, bug 12345#'

def check_ref(ref)
  m = ref.match(/\A(\S+)(?: (\S+))?: (.+)\z/m) or
    return "a reference must start with LIBC [VERSION] and a colon, got \"#{ref}\""
  libc, ver, items = m[1], m[2], m[3]
  return "unknown libc \"#{libc}\" (one of #{LIBCS.join(', ')})" unless LIBCS.include?(libc)
  return "malformed version \"#{ver}\" (e.g. 2.36, 1.2.3, 2.41+, 2.36-2.42)" if ver && ver !~ /\A#{VER}\z/
  items.split(', ').each do |it|
    next if it =~ ITEM

    return "malformed item \"#{it}\": want `dir/file.c` [`+function+`], commit HEX (7-40 digits), " \
           'bug NUMBER or release notes'
  end
  nil
end

dir = ARGV[0] or abort "usage: #{PROG} SPECDIR"
problems = 0
spans = 0
Dir[File.join(dir, '*.adoc')].sort.each do |f|
  lines = File.readlines(f, chomp: true)
  delim = nil
  lines.each_with_index do |line, i|
    if delim
      delim = nil if line == delim
      next
    end
    if line =~ /\A(\.{4,}|-{4,}|\/{4,}|\+{4,})\z/
      delim = line
      next
    end
    next if line.start_with?('//')

    # A role spelt almost right is a malformed reference, not prose.
    line.scan(/\[\.(?:source|sources|srcs?|ref)\]#|\[src\]#/) do |bad|
      next if bad == '[.src]#'

      warn "#{f}:#{i + 1}: \"#{bad}\" is not the source role; write #{FORM}"
      problems += 1
    end
    pos = 0
    while (start = line.index('[.src]', pos))
      spans += 1
      body_start = start + '[.src]'.length
      unless line[body_start] == '#'
        warn "#{f}:#{i + 1}: [.src] must be followed by #...#; write #{FORM}"
        problems += 1
        break
      end
      text = line[(body_start + 1)..]
      j = i
      until (close = text.index('#'))
        j += 1
        if j >= lines.size || lines[j].strip.empty?
          close = nil
          break
        end
        text = "#{text} #{lines[j].strip}"
      end
      unless close
        warn "#{f}:#{i + 1}: source reference not closed by '#' before the end of the paragraph; write #{FORM}"
        problems += 1
        break
      end
      body = text[0...close].gsub(/\s+/, ' ').strip.gsub('{plus}', '+')
      why = body.empty? ? 'empty reference' : body.split('; ').map { |r| check_ref(r) }.compact.first
      if why
        warn "#{f}:#{i + 1}: malformed source reference [.src]##{body}#: #{why}; write #{FORM}"
        problems += 1
      end
      break if j > i # the span ended on a later line; its rest is checked there

      pos = body_start + 1 + close + 1
    end
  end
end
if problems.positive?
  warn "#{PROG}: #{problems} malformed source reference(s) (see above)"
  exit 1
end
puts "#{PROG}: #{spans} source reference(s) well-formed"
