# SPDX-License-Identifier: MIT
# frozen_string_literal: true
#
# funcindex.rb - shared reader for the function index (spec/functions.tsv),
# the clauses of the specification (through tools/clauses) and
# build/report/results.json.
# Used by tools/functions-check, tools/why, tools/functions-adoc, tools/audit
# and audit/gen-wrappers.rb. Ruby standard library only.

require 'json'

module FuncIndex
  ID_RE = /\A[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-[0-9]+\z/
  Entry = Struct.new(:name, :clauses, :as_safe, :header, :see, :line)
  Clause = Struct.new(:id, :title, :level, :profile, :chapter, :functions, :mentions, :file, :line)

  module_function

  # Rows of spec/functions.tsv; raises ArgumentError with "file:line: why".
  def load_index(path)
    rows = {}
    File.foreach(path).with_index(1) do |raw, n|
      line = raw.chomp
      next if line.strip.empty? || line.start_with?('#')

      f = line.split("\t", -1)
      raise ArgumentError, "#{path}:#{n}: want 5 TAB-separated fields (function clauses as_safe header see), got #{f.size}" unless f.size == 5

      name, cl, safe, header, see = f.map(&:strip)
      raise ArgumentError, "#{path}:#{n}: bad function name '#{name}'" unless name.match?(/\A[A-Za-z_][A-Za-z0-9_]*\z/)
      raise ArgumentError, "#{path}:#{n}: #{name} listed twice (also line #{rows[name].line})" if rows[name]
      raise ArgumentError, "#{path}:#{n}: #{name}: as_safe must be yes or no, not '#{safe}'" unless %w[yes no].include?(safe)

      clauses = cl.split(',').map(&:strip)
      sees = see == '-' ? [] : see.split(',').map(&:strip)
      raise ArgumentError, "#{path}:#{n}: #{name}: no clause" if clauses.empty?

      rows[name] = Entry.new(name, clauses, safe == 'yes', header, sees, n)
    end
    rows
  end

  # Clauses of the specification as tools/clauses (their one reader) lists
  # them: from its output FILE, or from running it on the spec directory
  # DIR. functions: the names the clause covers (title, Functions::);
  # mentions: the names its normative text writes `name()`.
  def load_clauses(path)
    text = if File.directory?(path)
             IO.popen(['sh', File.join(__dir__, 'clauses'), path], err: File::NULL, &:read)
           else
             File.read(path)
           end
    clauses = {}
    text.each_line(chomp: true).with_index(1) do |line, n|
      next if line.empty? || line.start_with?('#')

      f = line.split("\t", -1)
      raise ArgumentError, "#{path}:#{n}: not a line of tools/clauses (8 TAB-separated fields)" unless f.size == 8

      list = ->(v) { v == '-' ? [] : v.split(',') }
      file, _, at = f[7].rpartition(':')
      clauses[f[0]] ||= Clause.new(f[0], f[4], f[1] == '-' ? nil : f[1], f[2] == '-' ? nil : f[2],
                                   f[3], list.call(f[5]), list.call(f[6]), file, at.to_i)
    end
    clauses
  end

  # results.json (format 1) or nil when absent; raises on malformed input.
  def load_results(path)
    return nil unless path && File.file?(path)

    data = JSON.parse(File.read(path))
    raise ArgumentError, "#{path}: not results format 1" unless data.is_a?(Hash) && data['format'] == 1

    data
  end

  # Case records of one clause on one target.
  def cases_of(target, clause)
    (target['cases'] || []).select { |c| c['clause'] == clause }
  end

  # "fail:deadlock", "pass", "observed:works", "skip", ...
  def verdict_word(rec)
    v = rec['verdict'].to_s
    %w[fail observed].include?(v) && rec['mode'] ? "#{v}:#{rec['mode']}" : v
  end

  # The summary of one clause on one target: worst verdict first.
  RANK = { 'fail' => 0, 'error' => 1, 'observed' => 2, 'pass' => 3, 'skip' => 4 }.freeze
  def clause_status(target, clause)
    recs = cases_of(target, clause)
    return nil if recs.empty?

    worst = recs.min_by { |r| RANK.fetch(r['verdict'].to_s, 5) }
    { word: verdict_word(worst), worst: worst, cases: recs,
      all_skip: recs.all? { |r| r['verdict'] == 'skip' } }
  end

  # Does a case call the function itself (a word of its CLAUSE.word-word ID)?
  def own_case?(rec, name)
    rec['case'].to_s.split('.', 2)[1].to_s.split('-').include?(name)
  end

  # The verdict of a function on one target: [state, per-clause, basis].
  # state: :fail, :error, :pass or :untested. basis: :own when cases that
  # call the function itself decided (only those count), :as_safe when none
  # exists and the function is async-signal-safe (FORK-2's cases decide),
  # :clause otherwise (every case of its clauses counts: coarser).
  def function_status(target, entry)
    all = entry.clauses.to_h { |cl| [cl, cases_of(target, cl)] }
    own = all.transform_values { |l| l.select { |r| own_case?(r, entry.name) } }
    basis = if own.values.any? { |l| l.any? { |r| r['verdict'] != 'skip' } } then :own
            elsif entry.as_safe then :as_safe
            else :clause
            end
    use = case basis
          when :own then own
          when :as_safe then all.select { |cl, _| cl == 'FORK-2' }
          else all
          end
    per = use.to_h do |cl, recs|
      if recs.empty?
        [cl, nil]
      else
        worst = recs.min_by { |r| RANK.fetch(r['verdict'].to_s, 5) }
        [cl, { word: verdict_word(worst), worst: worst, cases: recs,
               all_skip: recs.all? { |r| r['verdict'] == 'skip' } }]
      end
    end
    decided = per.values.compact.reject { |st| st[:all_skip] }
    state = if decided.any? { |st| st[:worst]['verdict'] == 'fail' } then :fail
            elsif decided.any? { |st| st[:worst]['verdict'] == 'error' } then :error
            elsif decided.empty? then :untested
            else :pass
            end
    [state, per, basis]
  end

  # A column header: the target with its libc and version ("glibc 2.36",
  # "glibc+forklock (glibc 2.36)"), for the spec's status tables.
  def column_label(t)
    libc = t['libc'].to_s
    return libc if !libc.empty? && t['name'] == libc.split.first

    libc.empty? ? t['name'] : "#{t['name']} (#{libc})"
  end

  # Short label of a target: "glibc 2.36", "glibc+forklock" (the audit's
  # keys, why's lines).
  def target_label(t)
    libc = t['libc'].to_s
    name = t['name'].to_s
    return libc if !libc.empty? && name == libc.split.first
    return name if name.include?('+')

    libc.empty? ? name : "#{name} (#{libc})"
  end
end
