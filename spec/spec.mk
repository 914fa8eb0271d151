# SPDX-License-Identifier: MIT
# spec/spec.mk - rendering and traceability of the mtfork specification.
#
# Included by the top-level Makefile.  Targets:
#   spec   render $(SPEC_BUILD)/index.html from spec/*.adoc, after listing
#          the clauses (tools/clauses -> $(SPEC_CLAUSES), which the
#          generators read) and generating the implementation-status
#          appendix from $(SPEC_RESULTS) with
#          tools/spec-status.rb; fails on any asciidoctor warning and on any
#          unresolved cross reference, and first on any malformed inline
#          source reference ([.src]#...#, tools/spec-src-check.rb). The page
#          is self-contained (SPEC_RENDERFLAGS: no web fonts, no remote
#          stylesheet or icon font) and shows each clause's verdicts at the
#          clause (tools/spec-verdicts.rb).
#   trace  check clause <-> case traceability with tools/trace, reading the
#          case list $(SPEC_CASES) (a prerequisite the top Makefile provides).
#
# Every variable here starts with SPEC_; all may be overridden.

SPEC_SRCDIR   := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
SPEC_TOP      := $(patsubst %/,%,$(dir $(SPEC_SRCDIR)))
SPEC_BUILD    ?= $(SPEC_TOP)/build/spec
SPEC_RESULTS  ?= $(SPEC_TOP)/build/report/results.json
SPEC_CASES    ?= $(SPEC_TOP)/build/cases.tsv
SPEC_UNTESTED ?= $(SPEC_TOP)/spec/untested
SPEC_STATUS   ?= $(SPEC_BUILD)/status.adoc
# The clauses as tools/clauses (their one reader) lists them, for every tool.
SPEC_CLAUSES  ?= $(SPEC_BUILD)/clauses.tsv
SPEC_HTML     ?= $(SPEC_BUILD)/index.html
# How the rendered HTML reaches the report directory (for links to TAP files).
SPEC_REPORT_BASE ?= ../report/
SPEC_ASCIIDOCTOR ?= asciidoctor
SPEC_RUBY     ?= ruby
SPEC_ADOCFLAGS ?=
# A self-contained page: the stylesheet embedded, no web fonts, no remote
# icon font (admonitions get text labels), the table of contents at chapter
# level, and each clause's verdicts at the clause (tools/spec-verdicts.rb,
# from $(SPEC_RESULTS) when present).
SPEC_RENDERFLAGS ?= -a linkcss! -a webfonts! -a icons! -a toclevels=1 \
  -r $(abspath $(SPEC_TOP)/tools/spec-verdicts.rb) -a resultsfile=$(abspath $(SPEC_RESULTS))

.PHONY: spec trace

spec:
	@if ! command -v $(SPEC_ASCIIDOCTOR) >/dev/null 2>&1; then \
	  if [ "$$(id -u 2>/dev/null)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "spec: installing asciidoctor with apt-get" >&2; \
	    { apt-get install -y asciidoctor || { apt-get update && apt-get install -y asciidoctor; }; } >&2 \
	      || { echo "spec: missing package asciidoctor (apt-get install asciidoctor failed)" >&2; exit 1; }; \
	  else \
	    echo "spec: missing package asciidoctor (install it, e.g. apt-get install asciidoctor)" >&2; exit 1; \
	  fi; \
	fi
	@mkdir -p $(SPEC_BUILD)
	$(SPEC_RUBY) $(SPEC_TOP)/tools/spec-src-check.rb $(SPEC_SRCDIR)
	sh $(SPEC_TOP)/tools/clauses $(SPEC_SRCDIR) >$(SPEC_CLAUSES)
	$(SPEC_RUBY) $(SPEC_TOP)/tools/spec-gates.rb $(SPEC_TOP)/ref $(SPEC_BUILD)/gates.adoc
	$(SPEC_RUBY) $(SPEC_TOP)/tools/spec-functions.rb $(SPEC_CLAUSES) $(SPEC_SRCDIR)/functions.tsv $(SPEC_BUILD)/functions.adoc
	$(SPEC_RUBY) $(SPEC_TOP)/tools/functions-adoc --spec $(SPEC_SRCDIR) --results $(SPEC_RESULTS) \
	  --out $(SPEC_BUILD)/function-index.adoc
	$(SPEC_RUBY) $(SPEC_TOP)/tools/spec-status.rb --clauses $(SPEC_CLAUSES) \
	  --results $(SPEC_RESULTS) --out $(SPEC_STATUS) --report-base $(SPEC_REPORT_BASE)
	@log=$(SPEC_BUILD)/asciidoctor.log; \
	$(SPEC_ASCIIDOCTOR) -v --failure-level WARN -a docinfo=shared \
	  -a functionindexfile=$(abspath $(SPEC_BUILD)/function-index.adoc) \
	  -a statusfile=$(abspath $(SPEC_STATUS)) -a gatesfile=$(abspath $(SPEC_BUILD)/gates.adoc) \
	  -a functionsfile=$(abspath $(SPEC_BUILD)/functions.adoc) \
	  $(SPEC_RENDERFLAGS) $(SPEC_ADOCFLAGS) \
	  -o $(abspath $(SPEC_HTML)) $(SPEC_SRCDIR)/index.adoc 2>$$log; rc=$$?; \
	cat $$log >&2; \
	if [ $$rc -ne 0 ]; then echo "spec: asciidoctor reported warnings or errors (see above)" >&2; exit 1; fi; \
	if grep -q 'invalid reference' $$log; then echo "spec: unresolved cross references (see above)" >&2; exit 1; fi; \
	$(SPEC_RUBY) $(SPEC_TOP)/tools/spec-markup-check.rb $(SPEC_HTML) || exit 1; \
	echo "spec: wrote $(SPEC_HTML)"

trace: $(SPEC_CASES)
	@mkdir -p $(SPEC_BUILD)
	-sh $(SPEC_TOP)/tools/clauses $(SPEC_SRCDIR) >$(SPEC_CLAUSES) 2>/dev/null
	sh $(SPEC_TOP)/tools/trace --clauses $(SPEC_CLAUSES) --cases $(SPEC_CASES) --untested $(SPEC_UNTESTED)
