<%doc>
    A fixture of every construct the renderer supports; not an Alembic
    template.  ${this} is not evaluated inside a doc block.
</%doc>
<%!
    import re
    SEP = ' | '
%>\
## a comment line: not in the output
    ## an indented comment line
"""${message}"""
id=${up_revision} date=${create_date}
str: ${down_revision} / ${branch_labels} / ${depends_on}
repr: ${repr(down_revision)} / ${repr(branch_labels)} / ${repr(depends_on)}
comma: [${down_revision | comma,n}] [${branch_labels | n, comma}] [${depends_on | comma}]
filters: [${"  padded  " | trim}] [${up_revision | str,trim}] [${None}] [${repr(None) | n}]
joined \
line and a kept backslash \\
% if down_revision is None:
root revision
% elif down_revision == up_revision or "x" in up_revision:
odd revision
% else:
  % if not branch_labels:
no labels
  % else:
labels: ${branch_labels | comma}
  % endif
% endif
% for label in (branch_labels or ()):
  label ${label}${SEP}${repr(label)}
% endfor
% for ch in "ab":
char ${ch}\
% endfor

<% greeting = "hello %s, %r" % (up_revision, message) %>${greeting}
<%
    # a comment inside a code block
    pair = (up_revision, None)
    single = (up_revision,)
    empty = ()
    both = 'it' + "'s"; esc = "tab\there \x41\u00e9 \\ \101"
    raw = r'\s*,\s*'
%>pair=${repr(pair)} single=${repr(single)} empty=${repr(empty)} ${both} ${esc} ${raw}
imports: ${imports if imports else ""}|${context.get("imports", "no imports")}
upgrades: ${upgrades if upgrades else "pass"}|${context.get("downgrades")}
ternary: ${"yes" if imports and upgrades else "no"} ${upgrades or "none"} ${not downgrades}
${str(down_revision) + "!"} ${str()} ${"%%s" % ()} ${'%s-%s' % ('a', 'b')}
${ up_revision  # a comment in an expression
}
${ ("a" "b"
    "c") }
${UNDEFINED is UNDEFINED} ${nothing_here is UNDEFINED} ${context.get("nothing_here") is None}
%% at line start keeps one percent
  %% indented loses one space
a <&call and </&call lose their angle bracket
trailing text without newline
