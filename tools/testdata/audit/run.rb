#!/usr/bin/env ruby
# SPDX-License-Identifier: MIT
# frozen_string_literal: true
#
# tools/testdata/audit/run.rb - tests of tools/audit: completeness on glibc
# and musl (an own C program calling a known set of functions), bad input,
# bounded records, and real programs nobody here wrote (Debian's python3,
# perl with ithreads, node), which skip with a reason when not installed.
# TAP on standard output; the last line is "audit tests: N passed, N failed,
# N skipped"; exits 1 on any failure. BUILD=dir (default build).

require 'json'
require 'open3'
require 'tmpdir'

TOP = File.expand_path('../../..', __dir__)
Dir.chdir(TOP)
BUILD = ENV.fetch('BUILD', 'build')
HERE = 'tools/testdata/audit'
OUT = File.join(BUILD, 'audit-tests')
Dir.mkdir(OUT) unless File.directory?(OUT)
RESULTS = File.join(BUILD, 'report/results.json')
$n = 0
$pass = $fail = $skip = 0

def ok(cond, name, diag = nil)
  $n += 1
  if cond
    $pass += 1
    puts "ok #{$n} - #{name}"
  else
    $fail += 1
    puts "not ok #{$n} - #{name}"
    diag.to_s.each_line { |l| puts "#   #{l}" } if diag
  end
end

def skip(name, why)
  $n += 1
  $skip += 1
  puts "ok #{$n} - #{name} # SKIP #{why}"
end

# Run tools/audit; returns [status, stdout, stderr, json or nil].
# Output goes through files, not pipes: a child left running keeps them open.
def audit(args, prog, target: 'glibc')
  base = File.join(OUT, "last-#{$n + 1}")
  json = "#{base}.json"
  File.delete(json) if File.exist?(json)
  pid = Process.spawn('tools/audit', '--target', target, '--build', BUILD, '--json', json, *args, '--', *prog,
                      out: "#{base}.out", err: "#{base}.err")
  _, st = Process.wait2(pid)
  [st.exitstatus, File.read("#{base}.out"), File.read("#{base}.err"), File.exist?(json) ? JSON.parse(File.read(json)) : nil]
end

def calls(j, i = 0) = j['children'][i]['calls'].map { |c| [c['function'], c['count']] }

results = File.file?(RESULTS) ? JSON.parse(File.read(RESULTS)) : nil
have = ->(t) { results && results['targets'].any? { |x| x['name'] == t && x['available'] } }

# The calls complete.c's child makes: function i, i+1 times, then _exit.
EXPECT = [%w[time 1], %w[clock_gettime 2], %w[getenv 3], %w[strlen 4], %w[memcmp 5], %w[strchr 6],
          %w[srandom 7], %w[random 8], %w[getpriority 9], %w[getrlimit 10], %w[pthread_sigmask 11],
          %w[gmtime_r 12], %w[malloc 13], %w[free 13], %w[_exit 1]].map { |f, c| [f, c.to_i] }

targets = [['glibc', 'cc']]
targets << ['musl', 'musl-gcc'] if system('command -v musl-gcc >/dev/null 2>&1')
targets.each do |t, cc|
  bin = File.join(OUT, "complete-#{t}")
  _, e, st = Open3.capture3(cc, '-O1', '-fno-builtin', '-pthread', '-o', bin, "#{HERE}/complete.c")
  ok(st.success?, "complete.c builds with #{cc}", e)
  next unless st.success?

  s, _, e, j = audit([], [bin, 'mt'], target: t)
  ok(s.zero? && j && j['children'].size == 1 && calls(j) == EXPECT,
     "#{t}: every call of the MT-forked child is seen, in order, with its count, nothing invented",
     j ? "got #{calls(j).inspect rescue j['children'].inspect}\n#{e}" : e)
  ok(j && j['children'][0]['parent_threads'] == 2 && j['children'][0]['forked_by'] == 'fork()',
     "#{t}: the child's parent had 2 threads, fork() seen")
  s, _, _, j = audit([], [bin, 'empty'], target: t)
  ok(j && calls(j) == [['_exit', 1]], "#{t}: a child that only calls _exit records exactly that", j&.dig('children')&.inspect)
  s, _, _, j = audit([], [bin, 'st'], target: t)
  ok(s.zero? && j && j['children'].empty? && j['verdict'] == 'no-mt-child', "#{t}: a child of a single-threaded parent records nothing")
  s, _, _, j = audit([], [bin, 'rawfork'], target: t)
  ok(j && j['children'].size == 1 && calls(j) == EXPECT && j['children'][0]['forked_by'].include?('bypasses'),
     "#{t}: a fork that bypasses fork() (syscall(SYS_fork)) is seen and said so", j&.dig('children')&.inspect)
  s, _, _, j = audit(['--max-children', '10'], [bin, 'many', '50'], target: t)
  ok(j && j['children_recorded'] == 10 && j['children_dropped'] == 40,
     "#{t}: 50 MT-forked children with --max-children 10: 10 recorded, 40 counted as dropped",
     j && "recorded #{j['children_recorded']} dropped #{j['children_dropped']}")
  t0 = Time.now
  s, _, _, j = audit([], [bin, 'hang'], target: t)
  hung = j && j['children'][0]
  ok(hung && hung['end'].include?('still running') && Time.now - t0 < 20,
     "#{t}: a child that never exits: the audit ends with the program and says so", hung.inspect)
  Process.kill('KILL', hung['pid']) rescue nil if hung
end

# exit status and bad input
s, = audit([], ['sh', '-c', 'exit 7'])
ok(s == 7, 'the program\'s exit status passes through', "got #{s}")
s, _, e, = audit([], ['no-such-program-mtfork'])
ok(s == 127 && e.lines.size == 1 && e.include?('not found'), 'a program not found: exit 127, one line', e)
static = File.join(OUT, 'static')
if system('cc', '-static', '-o', static, "#{HERE}/complete.c", '-pthread', err: File::NULL)
  s, _, e, = audit([], [static, 'mt'])
  ok(s == 2 && e.lines.size == 1 && e.include?('statically linked'), 'a static binary: exit 2, one line, no verdict', e)
else
  skip('a static binary is refused', 'no static libc (apt-get install libc6-dev)')
end
suid = File.join(OUT, 'suid')
system('cp', File.join(OUT, 'complete-glibc'), suid)
if Process.euid.zero? && system('chown', 'nobody', suid) && File.chmod(0o4755, suid)
  s, _, e, = audit([], [suid, 'mt'])
  ok(s == 2 && e.include?('set-user'), 'a setuid program: exit 2, one line, no verdict', e)
else
  skip('a setuid program is refused', 'needs root to make a setuid file owned by another user')
end
s, _, e, j = audit(['--results', '/nonexistent/results.json'], [File.join(OUT, 'complete-glibc'), 'mt'])
ok(e.include?('make report') && j && j['results'].nil?, 'no results: the report says which command produces them')
if have.call('glibc')
  s, = audit(['--fail-on', 'unsafe'], [File.join(OUT, 'complete-glibc'), 'mt'])
  ok(s == 3, '--fail-on unsafe exits 3 when the program is unsafe (random, gmtime_r on glibc)', "got #{s}")
else
  skip('--fail-on unsafe', "no glibc results in #{RESULTS} (make report)")
end

# no descriptor leaks into the program or what it execs
fds = ->(pre) { `#{pre} sh -c 'ls /proc/self/fd | wc -l' 2>/dev/null`.to_i }
plain = fds.call('')
s, o, = audit([], ['sh', '-c', 'ls /proc/self/fd | wc -l'])
ok(o.to_i == plain && plain.positive?, 'no descriptor is leaked into the program', "plain #{plain}, audited #{o.to_i}")

# real programs
py = '/usr/bin/python3'
if File.executable?(py)
  s, o, e, j = audit([], [py, "#{HERE}/py_fork.py"])
  f = j && j['functions']
  lt = f && (f['localtime_r'] || f['localtime'])
  ok(s.zero? && o.include?('parent done') && j['children'].size == 1, 'python3 os.fork with a live thread: one MT-forked child, output passes through', e)
  ok(lt && lt['clauses'].any? { |c| c['id'] == 'TIME-1' } && (!have.call('glibc') || lt['verdicts'].find { |k, _| k.start_with?('glibc ') }&.last.to_s.start_with?('fail:deadlock')) &&
     (!have.call('musl') || lt['verdicts'].find { |k, _| k.start_with?('musl') }&.last == 'pass') &&
     (!have.call('glibc+forklock') || lt['verdicts']['glibc+forklock'] == 'pass'),
     'python3: time.localtime() leads to TIME-1 (glibc fail:deadlock, musl and glibc+forklock pass)', lt.inspect)
  ok(f && (f['getpwnam_r'] || f['getpwnam']), 'python3: pwd.getpwnam() is seen (getpwnam_r)')
  ok(!have.call('glibc') || e.match?(/^verdict: unsafe on glibc [0-9.]+:/), 'python3: ends "unsafe on glibc <version>"', e.lines.last(3).join)
  s, o, e, j = audit([], [py, "#{HERE}/py_fork.py", 'nothread'])
  ok(s.zero? && j && j['verdict'] == 'no-mt-child' && e.include?('no MT-forked child'), 'python3 without the thread: no MT-forked child')
  s, o, e, j = audit([], [py, "#{HERE}/py_mp.py"])
  f = j && j['functions']
  ok(s.zero? && o.include?('worker said') && j['children'].size >= 1 && f && f['localtime_r'] && f['getpwnam_r'],
     'python3 multiprocessing (fork start method, live thread): the worker\'s localtime and getpwnam are seen', e)
else
  skip('python3 tests', "#{py} not installed (apt-get install python3)")
end
if system('perl', '-Mthreads', '-e', '1', err: File::NULL)
  s, o, e, j = audit([], ['perl', "#{HERE}/perl_threads.pl"])
  ok(s.zero? && o.include?('parent done') && j && j['children'].size == 1 && j['functions']['localtime_r'],
     'perl with ithreads: the child\'s localtime is seen (localtime_r, TIME-1)', e)
else
  skip('perl ithreads test', 'perl without threads support')
end
node = %w[node nodejs].find { |n| system("command -v #{n} >/dev/null 2>&1") }
if node
  s, o, e, j = audit([], [node, "#{HERE}/node_fork.js"])
  c = j && j['children'].find { |x| x['calls'].any? { |k| k['function'].start_with?('exec') } }
  ok(s.zero? && o.include?('parent done') && c, 'node child_process with a worker thread: the forked child is seen up to its exec', e)
else
  skip('node test', 'node not installed (apt-get install nodejs)')
end

puts "1..#{$n}"
puts "audit tests: #{$pass} passed, #{$fail} failed, #{$skip} skipped"
exit($fail.zero? ? 0 : 1)
