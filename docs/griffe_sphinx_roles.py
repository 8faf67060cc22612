"""A griffe extension so the library's docstrings render well in the API reference.

The docstrings are Google style, with two habits from Sphinx that Markdown does not know:

* roles such as ``:class:`~tinygrad_rnn.scalar.Value``` or ``:func:`toposort```, which become
  cross-references here (optional ones: a target that does not exist yet is plain code);
* maths written as ``:math:`\\alpha``` or a ``.. math::`` block, which become ``$\\alpha$``
  and a ``$$ ... $$`` block (typeset by KaTeX like the rest of the site; a block with ``&``
  alignment points is wrapped in ``aligned``);
* a singular ``Example:`` heading, which griffe would read as an admonition (so doctest
  output such as ``[2.0, 4.0]`` turned into a broken link); it becomes an ``Examples:``
  section, rendered as code;
* one ``Args:`` entry for several parameters that share a description
  (``w_ih, w_hh, b_ih, b_hh: shapes ...``), which becomes one entry per parameter.
"""

from __future__ import annotations

import re

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|attr|obj|exc|data|const):`(~?)([\w.]+)(\(\))?`")
_MATH_ROLE = re.compile(r":math:`([^`]+)`")
_MATH_BLOCK = re.compile(r"^([ \t]*)\.\. math::[ \t]*\n((?:[ \t]*\n|\1[ \t]+\S.*\n?)+)", re.M)
_EXAMPLE_HEADING = re.compile(r"^(\s*)Example:\s*$", re.M)
_ARGS_HEADING = re.compile(r"^(\s*)(?:Args|Arguments|Parameters|Params):\s*$")
_SHARED_ENTRY = re.compile(r"^(\s+)(\w+(?:\s*,\s*\w+)+)\s*:\s*(.*)$")


def _split_shared_entries(text: str) -> str:
    """Give each parameter of a ``a, b, c: description`` entry a line of its own."""
    out: list[str] = []
    section_indent: int | None = None
    for line in text.splitlines():
        heading = _ARGS_HEADING.match(line)
        if heading:
            section_indent = len(heading.group(1))
            out.append(line)
            continue
        indent = len(line) - len(line.lstrip())
        if section_indent is not None and line.strip() and indent <= section_indent:
            section_indent = None
        entry = _SHARED_ENTRY.match(line) if section_indent is not None else None
        if entry:
            lead, names, description = entry.groups()
            out += [f"{lead}{name.strip()}: {description}" for name in names.split(",")]
        else:
            out.append(line)
    return "\n".join(out)


def _role_to_autoref(match: re.Match[str]) -> str:
    short, path = match.group(1), match.group(2)
    title = path.rsplit(".", 1)[-1] if short else path
    return f'<autoref identifier="{path}" optional><code>{title}</code></autoref>'


def _math_block(match: re.Match[str]) -> str:
    indent = match.group(1)
    lines = [line.strip() for line in match.group(2).splitlines() if line.strip()]
    body = "\n".join(lines)
    if "&" in body:
        body = "\\begin{aligned}\n" + body + "\n\\end{aligned}"
    block = "\n".join(indent + line for line in ["$$", *body.splitlines(), "$$"])
    return block + "\n\n"


def rewrite_maths(text: str) -> str:
    """Sphinx maths (``:math:`x```, ``.. math::``) as the ``$x$`` / ``$$`` the site typesets."""
    text = _MATH_BLOCK.sub(_math_block, text)
    return _MATH_ROLE.sub(lambda m: f"${m.group(1).strip()}$", text)


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles and ``Example:`` headings before griffe parses a docstring."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is None:
            return
        text = _ROLE.sub(_role_to_autoref, rewrite_maths(obj.docstring.value))
        text = _EXAMPLE_HEADING.sub(r"\1Examples:", text)
        obj.docstring.value = _split_shared_entries(text)
