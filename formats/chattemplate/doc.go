// Package chattemplate checks the chat templates that ship with a model —
// GGUF tokenizer.chat_template, tokenizer_config.json chat_template,
// chat_template.jinja — for constructs that reach Python internals or
// escape a Jinja sandbox. Inference servers render these templates with
// Jinja2 on every request; a template that walks from an object to its
// class, its globals or the interpreter's builtins runs code on the server
// (server-side template injection through a model's template, as in
// CVE-2024-34359).
//
// # What it checks
//
// [Check] lexes a template as Jinja does — text, {{ expressions }},
// {% statements %} and {# comments #} — and looks only at the code, never
// at the text a template outputs. It reports, with the byte offset of each
// in the template:
//
//   - attributes and names in dunder form (__class__, __globals__,
//     __subclasses__, __builtins__, __mro__, __init__, __import__, …), and
//     private attributes (_module, _TemplateReference__context);
//   - string literals that decode to such names, escapes included
//     ('\x5f\x5fclass\x5f\x5f'), and names built by joining strings
//     ('__cla' ~ 'ss__') or from character codes (chr(95));
//   - the attr filter with a dunder or computed name;
//   - names of Python modules and builtins that a template has no use for
//     (os, subprocess, sys, builtins, importlib, eval, exec, getattr, open,
//     __import__, …), and calls of .system, .popen and the like;
//   - {% import %}, {% from … import %}, {% include %} and {% extends %}.
//
// When such a construct hangs off one of Jinja's global helpers (cycler,
// joiner, namespace, lipsum, range, self, config, request), the issue names
// that gadget.
//
// # What it does not check
//
// It does not render or evaluate anything, so a name assembled by means it
// does not follow (filters over data, loops) is not resolved. Ordinary
// templates — loops over messages, namespace() counters, tool-call
// formatting, raise_exception — raise nothing.
package chattemplate
