# SPDX-License-Identifier: MIT
# frozen_string_literal: true
#
# spec-verdicts.rb - Asciidoctor extension (asciidoctor -r) that shows each
# clause's verdicts where the clause is: the "Status::" line of a clause,
# "<<status-ID,implementation status>>", gains one entry per target, e.g.
#
#   Status:: implementation status — glibc 2.36: fail:deadlock (6 of 6 cases);
#            musl 1.2.3: pass (6); glibc+forklock (glibc 2.36): pass (6)
#
# read from the results file named by the document attribute `resultsfile`
# (spec/spec.mk passes build/report/results.json). Without that attribute or
# file, or with a file of another format, the document is left as it is (the
# status appendix says why). A clause's verdict on a target is its worst case:
# fail, error, pass, observed, skip (the order of tools/spec-status.rb).

require 'asciidoctor/extensions'
require 'json'
require_relative 'funcindex'

module MtforkSpecVerdicts
  RANK = %w[fail error pass observed skip].freeze

  module_function

  def label(t) = FuncIndex.column_label(t)

  # Text safe inside an AsciiDoc paragraph: no markup characters.
  def plain(s)
    s.to_s.gsub(/[\r\n\t]+/, ' ').gsub(/[|\]\[{}*_#`^~+<>&\\]/) { |c| "&##{c.ord};" }
  end

  def entry(t, recs)
    return "#{plain(label(t))}: [.verdict-skip]#no case#" if recs.nil? || recs.empty?

    worst = recs.min_by { |r| [r['unexpected'] ? 0 : 1, RANK.index(r['verdict']) || 9] }
    word = worst['verdict'].dup
    word << ":#{worst['mode']}" if worst['mode'].is_a?(String) && %w[fail observed].include?(worst['verdict'])
    same = recs.count { |r| r['verdict'] == worst['verdict'] && r['mode'] == worst['mode'] }
    n = recs.size == 1 ? '1 case' : "#{same} of #{recs.size} cases"
    role = "verdict-#{worst['verdict']}"
    role += ' verdict-unexpected' if worst['unexpected']
    mark = worst['unexpected'] ? ', unexpected' : (worst['expected'].is_a?(String) && worst['expected'] != 'pass' && worst['verdict'] != 'pass' ? ', expected' : '')
    "#{plain(label(t))}: [.#{role.split.join('.')}]##{plain(word)}# (#{n}#{mark})"
  end
end

Asciidoctor::Extensions.register do
  treeprocessor do
    process do |doc|
      path = doc.attr('resultsfile')
      data = begin
        path && File.file?(path) ? JSON.parse(File.read(path)) : nil
      rescue JSON::ParserError, SystemCallError
        nil
      end
      next nil unless data.is_a?(Hash) && data['format'] == 1 && data['targets'].is_a?(Array)

      targets = data['targets'].select { |t| t.is_a?(Hash) && t['available'] != false }
      by = targets.map do |t|
        (t['cases'] || []).group_by { |r| r['clause'] }
      end
      doc.find_by(context: :dlist).each do |dl|
        dl.items.each do |terms, desc|
          next unless desc && terms.any? { |term| term.instance_variable_get(:@text) == 'Status' }

          raw = desc.instance_variable_get(:@text).to_s
          m = raw.match(/<<status-([A-Z][A-Z0-9-]*-[0-9]+),/)
          next unless m

          parts = targets.each_with_index.map { |t, i| MtforkSpecVerdicts.entry(t, by[i][m[1]]) }
          desc.text = "#{raw} — #{parts.join('; ')}" unless parts.empty?
        end
      end
      nil
    end
  end
end
