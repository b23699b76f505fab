## error-line: 4
"""${message}"""
% if imports:
% else:
import sqlalchemy as sa
% endif
