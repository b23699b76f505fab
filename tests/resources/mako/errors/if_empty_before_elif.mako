## error-line: 6
"""${message}"""
% for x in ('a', 'b'):
% if x == 'a':
## a comment is not a body
% elif message:
${x}
% endif
% endfor
