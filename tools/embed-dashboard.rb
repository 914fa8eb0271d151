#!/usr/bin/env ruby
# SPDX-License-Identifier: MIT
# frozen_string_literal: true
#
# embed-dashboard.rb - copy the dashboard template tools/dashboard.html into
# tools/report/template.c (between the BEGIN/END dashboard template lines) as C string
# arrays, so the report tool needs no data file at run time.
#
# Usage: tools/embed-dashboard.rb [--check]
#   --check  change nothing; exit 1 when template.c is not in step with the
#            template (tools/testdata/dashboard/run.sh runs this)

dir = File.expand_path(__dir__)
tpl_path = File.join(dir, 'dashboard.html')
c_path = File.join(dir, 'report', 'template.c')
tpl = File.read(tpl_path, encoding: 'UTF-8')
parts = tpl.split('@DATA@', -1)
abort "embed-dashboard: #{tpl_path} must contain the marker @DATA@ exactly once" unless parts.size == 2

def c_lines(name, text)
  out = ["const char *const #{name}[] = {"]
  text.each_line do |l|
    out << "\t\"#{l.gsub('\\', '\\\\\\\\').gsub('"', '\\"').gsub("\n", '\\n').gsub("\t", '\\t')}\","
  end
  out << "\tNULL};"
  out
end

BEGIN_LINE = '/* BEGIN dashboard template: tools/dashboard.html, copied by tools/embed-dashboard.rb */'
END_LINE = '/* END dashboard template */'
block = [BEGIN_LINE, '// clang-format off'] + c_lines('DASH_HEAD', parts[0]) +
        c_lines('DASH_TAIL', parts[1]) + ['// clang-format on', END_LINE]
src = File.read(c_path, encoding: 'UTF-8')
b = src.index(BEGIN_LINE)
e = src.index(END_LINE)
abort "embed-dashboard: #{c_path} has no BEGIN/END dashboard template lines" unless b && e && e > b
new = src[0...b] + block.join("\n") + src[(e + END_LINE.size)..]
if ARGV.include?('--check')
  if new == src
    puts 'embed-dashboard: tools/report/template.c is in step with tools/dashboard.html'
    exit 0
  end
  warn 'embed-dashboard: tools/report/template.c is not in step with tools/dashboard.html: run tools/embed-dashboard.rb'
  exit 1
end
File.write(c_path, new) unless new == src
