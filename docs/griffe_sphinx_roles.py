"""A griffe extension so the library's docstrings render well in the API reference.

The docstrings are Google style, with two habits from Sphinx that Markdown does not know:

* roles such as ``:class:`~tinygrad_rnn.scalar.Value``` or ``:func:`toposort```, which become
  cross-references here (optional ones: a target that does not exist yet is plain code);
* a singular ``Example:`` heading, which griffe would read as an admonition (so doctest
  output such as ``[2.0, 4.0]`` turned into a broken link); it becomes an ``Examples:``
  section, rendered as code.
"""

from __future__ import annotations

import re

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|attr|obj|exc|data|const):`(~?)([\w.]+)(\(\))?`")
_EXAMPLE_HEADING = re.compile(r"^(\s*)Example:\s*$", re.M)


def _role_to_autoref(match: re.Match[str]) -> str:
    short, path = match.group(1), match.group(2)
    title = path.rsplit(".", 1)[-1] if short else path
    return f'<autoref identifier="{path}" optional><code>{title}</code></autoref>'


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles and ``Example:`` headings before griffe parses a docstring."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is None:
            return
        text = _ROLE.sub(_role_to_autoref, obj.docstring.value)
        obj.docstring.value = _EXAMPLE_HEADING.sub(r"\1Examples:", text)
