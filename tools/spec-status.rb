#!/usr/bin/env ruby
# SPDX-License-Identifier: MIT
# frozen_string_literal: true
#
# spec-status.rb - generate the "Implementation status" appendix of the
# mtfork specification (an AsciiDoc fragment) from build/report/results.json.
#
# Usage: tools/spec-status.rb [--spec DIR | --clauses FILE] [--results FILE]
#                             [--out FILE] [--report-base PATH]
#
#   --spec DIR          directory of the AsciiDoc sources (default: spec)
#   --clauses FILE      the clauses as tools/clauses listed them (default: its
#                       output for --spec DIR)
#   --results FILE      results of `make report` (default: build/report/results.json)
#   --out FILE          fragment to write (default: build/spec/status.adoc)
#   --report-base PATH  how the rendered HTML reaches build/report/, used as the
#                       prefix of each record's `tap` path (default: ../report/)
#
# The clause list comes from tools/clauses, so every clause gets a row
# anchored `status-<ID>` whether or not it has results. The profile claims
# are those tools/report recorded in results.json; nothing is judged here.
# A missing results file is not an error (the appendix says so); a
# malformed one is.

require 'json'
require 'optparse'
require_relative 'funcindex'

PROG = 'spec-status'
PROFILES = %w[posix spawn unrestricted].freeze
VERDICTS = %w[pass fail skip error observed].freeze

def die(msg)
  warn "#{PROG}: #{msg}"
  exit 1
end

opts = {
  spec: 'spec',
  results: 'build/report/results.json',
  out: 'build/spec/status.adoc',
  report_base: '../report/'
}
begin
  OptionParser.new do |o|
    o.banner = 'usage: tools/spec-status.rb [--spec DIR | --clauses FILE] [--results FILE] [--out FILE] [--report-base PATH]'
    o.on('--spec DIR') { |v| opts[:spec] = v }
    o.on('--clauses FILE') { |v| opts[:clauses] = v }
    o.on('--results FILE') { |v| opts[:results] = v }
    o.on('--out FILE') { |v| opts[:out] = v }
    o.on('--report-base PATH') { |v| opts[:report_base] = v }
  end.parse!(ARGV)
rescue OptionParser::ParseError => e
  die e.message
end
die "unexpected argument #{ARGV.first}" unless ARGV.empty?
if opts[:clauses]
  die "#{opts[:clauses]}: no such file (tools/clauses SPECDIR writes it)" unless File.file?(opts[:clauses])
else
  die "#{opts[:spec]}: no such directory" unless File.directory?(opts[:spec])
end

# ---------------------------------------------------------------- clauses

# As tools/clauses lists them (the one reader of the AsciiDoc).
clauses = FuncIndex.load_clauses(opts[:clauses] || opts[:spec]).values
die "#{opts[:spec]}: no clauses found" if clauses.empty?
by_id = clauses.to_h { |c| [c.id, c] }

# ---------------------------------------------------------------- results

def load_results(path)
  return nil unless File.exist?(path)

  data = begin
    JSON.parse(File.read(path))
  rescue JSON::ParserError => e
    first = e.message.lines.first.to_s.strip[0, 120]
    die "#{path}: malformed JSON (#{first}); run make report to regenerate it"
  rescue SystemCallError => e
    die "#{path}: cannot read (#{e.message}); run make report to regenerate it"
  end
  bad = ->(what) { die "#{path}: #{what}; run make report to regenerate it" }
  bad.call('top level is not an object') unless data.is_a?(Hash)
  unless data['format'] == 1
    bad.call("unsupported format #{data['format'].inspect} (this tool reads format 1)")
  end
  bad.call('"targets" is not a list') unless data['targets'].is_a?(Array)
  data['targets'].each_with_index do |t, i|
    bad.call("targets[#{i}] is not an object with a name") unless t.is_a?(Hash) && t['name'].is_a?(String)
    next if t['available'] == false

    cases = t['cases'] || []
    bad.call("targets[#{i}].cases is not a list") unless cases.is_a?(Array)
    cases.each_with_index do |r, j|
      where = "targets[#{i}].cases[#{j}]"
      bad.call("#{where} is not an object") unless r.is_a?(Hash)
      %w[case clause verdict].each do |k|
        bad.call("#{where} has no string \"#{k}\"") unless r[k].is_a?(String)
      end
      unless VERDICTS.include?(r['verdict'])
        bad.call("#{where} has unknown verdict #{r['verdict'].inspect}")
      end
    end
  end
  data
end

results = load_results(opts[:results])

# ---------------------------------------------------------------- output

# Text placed inside an AsciiDoc table cell or link label: characters that
# could start inline formatting, attribute references, macros or cell
# separators become numeric character references, which Asciidoctor passes
# through unchanged.
def cell_text(s)
  s.to_s.gsub(/[\r\n\t]+/, ' ').gsub(/[|\]\[{}*_#`^~+<>&\\]/) { |c| "&##{c.ord};" }
end

# Text placed inside a quoted link attribute (the tooltip).
def attr_text(s)
  s.to_s.gsub(/[\r\n\t]+/, ' ').gsub(/["\[\]{}|]/, "'").strip[0, 300]
end

def verdict_label(r)
  label = r['verdict'].dup
  label << ":#{r['mode']}" if r['mode'].is_a?(String) && !r['mode'].empty?
  label << " (#{r['how']})" if r['verdict'] == 'fail' && r['how'].is_a?(String)
  label
end

def tooltip(r)
  parts = []
  parts << "holder #{r['holder']}" if r['holder']
  parts << "held #{r['held']}" unless r['held'].nil?
  parts << "fork waited #{r['fork_waited']}" unless r['fork_waited'].nil?
  parts << "expected #{r['expected']}" if r['expected']
  parts << r['expected_reason'] if r['expected_reason']
  parts << "#{r['ms']} ms" if r['ms']
  parts << r['detail'] if r['detail']
  attr_text(parts.join('; '))
end

def case_entry(r, base)
  variant = r['case'].sub(/\A#{Regexp.escape(r['clause'])}\./, '')
  text = "#{variant}: #{verdict_label(r)}"
  role = "verdict-#{r['verdict']}"
  mark = ''
  if r['unexpected'] == true
    role += ' verdict-unexpected'
    mark = ' [.verdict-unexpected]#unexpected#'
  elsif r['expected'].is_a?(String) && r['expected'] != 'pass'
    mark = ' (expected)'
  end
  tip = tooltip(r)
  attrs = [%(role="#{role}")]
  attrs << %(title="#{tip}") unless tip.empty?
  if r['tap'].is_a?(String) && !r['tap'].empty?
    "link:#{base}#{r['tap'].gsub(' ', '%20')}[#{cell_text(text)},#{attrs.join(',')}]#{mark}"
  else
    "[.#{role.split.first}]##{cell_text(text)}##{mark}"
  end
end

# Column header of a target: its libc and version (tools/funcindex.rb).
def target_label(t) = FuncIndex.column_label(t)

out = []
out << '// Generated by tools/spec-status.rb; do not edit.'
out << '[appendix]'
out << '[[implementation-status]]'
out << '== Implementation status'
out << ''

targets = []
unavailable = []
if results.nil?
  out << "No results were available when this document was rendered (`#{opts[:results]}` " \
         'does not exist): run `make report` and then `make spec` to fill in this appendix.'
  out << ''
else
  suite = results['suite'].is_a?(Hash) ? results['suite'] : {}
  host = results['host'].is_a?(Hash) ? results['host'] : {}
  results['targets'].each do |t|
    if t['available'] == false
      unavailable << t
    else
      targets << t
    end
  end
  desc = "Results of #{cell_text(suite['name'] || 'mtfork')} #{cell_text(suite['version'] || '')}".strip
  desc += " (commit `#{cell_text(suite['commit'])}`)" if suite['commit']
  hostbits = [host['kernel'] && "kernel #{host['kernel']}", host['arch'] && "arch #{host['arch']}"].compact
  desc += " on #{cell_text(hostbits.join(', '))}" unless hostbits.empty?
  out << "#{desc}. Each cell lists the cases of a clause on a target; " \
         'a case links to its TAP output, and its tooltip shows the holder, whether it was ' \
         'verified as held, whether fork waited, and the evidence. ' \
         'See <<interpreting-results>> for the meaning of each verdict.'
  out << ''
end

# Per target: clause id -> list of records; and records citing unknown clauses.
per_target = {}
unknown = []
targets.each do |t|
  map = Hash.new { |h, k| h[k] = [] }
  (t['cases'] || []).each do |r|
    if by_id[r['clause']]
      map[r['clause']] << r
    else
      unknown << [t['name'], r]
    end
  end
  map.each_value { |rs| rs.sort_by! { |r| r['case'] } }
  per_target[t['name']] = map
end

unless targets.empty?
  out << '[[status-profiles]]'
  out << '=== Profile claims'
  out << ''
  out << 'A target conforms to a profile when every case of every MUST clause of that profile ' \
         'and of the profiles it contains passes (<<profiles>>). SHOULD clauses are counted ' \
         'alongside but do not decide the claim.'
  out << ''
  out << '[cols="2,3,3,3",options="header"]'
  out << '|==='
  out << '|Target |posix |spawn |unrestricted'
  targets.each do |t|
    cells = PROFILES.map do |p|
      # The claim tools/report decided and recorded in results.json.
      rec = t.dig('profiles', p)
      next 'no claim recorded (the report ran without the clauses)' unless rec.is_a?(Hash) && rec['must'].is_a?(Integer)

      verdict =
        case rec['verdict']
        when 'does-not-conform' then "does not conform: #{rec['must_fail']} of #{rec['must']} MUST clauses fail"
        when 'conforms' then "conforms (all #{rec['must']} MUST clauses pass)"
        else
          rec['must_error'].to_i.positive? ? "undecided: #{rec['must_error']} MUST clauses with errors" :
            "undecided: #{rec['must_untested']} of #{rec['must']} MUST clauses untested, no failure in the other #{rec['must'] - rec['must_untested'].to_i}"
        end
      "#{verdict}; SHOULD: #{rec['should_pass']} of #{rec['should_tested']} tested pass " \
        "(#{rec['should'] - rec['should_tested'].to_i} untested)"
    end
    out << "|#{cell_text(target_label(t))} |#{cells.join(' |')}"
  end
  out << '|==='
  out << ''
end

unless unavailable.empty?
  out << 'Targets not available on this machine: ' +
         unavailable.map { |t| "#{cell_text(t['name'])} (#{cell_text(t['reason'] || 'no reason given')})" }.join('; ') + '.'
  out << ''
end

out << '[[status-matrix]]'
out << '=== Conformance matrix'
out << ''
ncols = 3 + targets.size
widths = ['4', '1', '1'] + ['3'] * targets.size
out << %([cols="#{widths.join(',')}",options="header"])
out << '|==='
out << (['|Clause', '|Level', '|Profile'] + targets.map { |t| "|#{cell_text(target_label(t))}" }).join(' ')
clauses.each do |c|
  row = ["|[[status-#{c.id}]]<<#{c.id}>>", "|#{c.level || '?'}", "|#{c.profile || '?'}"]
  targets.each do |t|
    recs = per_target[t['name']][c.id]
    row << if recs.empty?
             '|no cases'
           else
             'a|' + recs.map { |r| case_entry(r, opts[:report_base]) }.join(" +\n")
           end
  end
  out << row.join("\n")
end
out << '|==='
out << ''
raise 'column count mismatch' unless ncols == widths.size

unless unknown.empty?
  out << '[[status-unknown]]'
  out << '=== Cases citing clauses not in this document'
  out << ''
  out << 'These records name a clause this version of the specification does not define; ' \
         '`tools/trace` reports the same problem.'
  out << ''
  out << '[cols="1,2,2,2",options="header"]'
  out << '|==='
  out << '|Target |Case |Clause |Verdict'
  unknown.each do |name, r|
    out << "|#{cell_text(name)} |#{cell_text(r['case'])} |#{cell_text(r['clause'])} |#{cell_text(verdict_label(r))}"
  end
  out << '|==='
  out << ''
end

begin
  dir = File.dirname(opts[:out])
  Dir.mkdir(dir) unless File.directory?(dir)
  File.write(opts[:out], out.join("\n"))
rescue SystemCallError => e
  die "#{opts[:out]}: cannot write (#{e.message})"
end
