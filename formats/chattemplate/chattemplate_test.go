package chattemplate

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelvet/modelvet/internal/limits"
	"github.com/modelvet/modelvet/internal/testutil"
)

// Payloads of the classes sandbox escapes take, each with the construct
// that must be reported first.
var hostile = []struct {
	name, src, kind, construct, gadget string
}{
	{"subclasses walk", "{% for c in [].__class__.__base__.__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}{{ c()._module.__builtins__['__import__']('os').system('id') }}{% endif %}{% endfor %}", KindDunder, "__class__", ""},
	{"globals of a helper", "{{ cycler.__init__.__globals__.os.popen('id').read() }}", KindDunder, "__init__", "cycler"},
	{"joiner", "{{ joiner.__init__.__globals__.__builtins__.__import__('socket') }}", KindDunder, "__init__", "joiner"},
	{"namespace", "{% set ns = namespace() %}{{ namespace.__init__.__globals__ }}", KindDunder, "__init__", "namespace"},
	{"lipsum", "{{ lipsum.__globals__['os'].popen('id').read() }}", KindDunder, "__globals__", "lipsum"},
	{"self reference", "{{ self._TemplateReference__context.cycler.__init__.__globals__.os }}", KindPrivate, "_TemplateReference__context", "self"},
	{"subscript", "{{ request['application']['__globals__'] }}", KindDunderStr, `"__globals__"`, "request"},
	{"hex escapes", `{{ ()['\x5f\x5fclass\x5f\x5f'] }}`, KindDunderStr, `"__class__"`, ""},
	{"unicode escapes", `{{ ''['\u005f\u005fclass\u005f\u005f'] }}`, KindDunderStr, `"__class__"`, ""},
	{"attr filter", "{{ ''|attr('__class__')|attr('__mro__') }}", KindAttrFilter, `|attr("__class__")`, ""},
	{"attr computed", "{% set a = '_' * 2 %}{{ ''|attr(a ~ 'class' ~ a) }}", KindAttrFilter, "|attr() of a computed name", ""},
	{"concatenation", "{{ ''['__cla' ~ 'ss__'] }}", KindBuiltName, `"__class__"`, ""},
	{"plus concatenation", "{{ x['_' + '_glob' + 'als_' + '_'] }}", KindBuiltName, `"__globals__"`, ""},
	{"chr codes", "{{ x[''.join([chr(95), chr(95)]) ~ 'class' ] }}", KindPythonName, "chr", ""},
	{"builtins by name", "{{ __builtins__.eval('1') }}", KindDunder, "__builtins__", ""},
	{"getattr", "{{ getattr('', 'x') }}", KindPythonName, "getattr", ""},
	{"import statement", "{% import 'os' as os %}{{ os }}", KindImport, "{% import %}", ""},
	{"include", "{% include '/etc/passwd' %}", KindImport, "{% include %}", ""},
	{"mro attribute", "{{ ''.mro }}", KindPythonName, ".mro", ""},
	{"range gadget", "{{ range.__call__ }}", KindDunder, "__call__", "range"},
	{"system call", "{{ x.system('id') }}", KindCall, ".system()", ""},
	{"statement whitespace control", "{%- set g = cycler.__init__ -%}", KindDunder, "__init__", "cycler"},
}

func TestCheckHostile(t *testing.T) {
	for _, c := range hostile {
		t.Run(c.name, func(t *testing.T) {
			info := Check(c.src)
			if len(info.Issues) == 0 {
				t.Fatalf("no issue in %q", c.src)
			}
			is := info.Issues[0]
			if is.Kind != c.kind || is.Construct != c.construct || is.Gadget != c.gadget {
				t.Errorf("first issue %+v, want %s %s gadget %q", is, c.kind, c.construct, c.gadget)
			}
			if is.Offset < 0 || is.Offset >= len(c.src) || strings.ContainsRune(" {}%-", rune(c.src[is.Offset])) {
				t.Errorf("offset %d does not point at the construct in %q", is.Offset, c.src)
			}
		})
	}
}

// Text outside the code is output, not code: a template may print about
// __class__ or os.system without running anything.
func TestCheckTextIsNotCode(t *testing.T) {
	for _, src := range []string{
		"Describe Python's __class__ attribute and os.system() to the user.\n{{ messages[0]['content'] }}",
		"{# {{ cycler.__init__.__globals__ }} is a known payload #}{{ bos_token }}",
		"{% for message in messages %}{% if message.class == 'important' %}!{% endif %}{{ message['role'] | attr('title') }}{% endfor %}",
		"{{ 'os' }}{{ message.system_prompt }}{{ 'system' }}",
	} {
		if info := Check(src); len(info.Issues) != 0 {
			t.Errorf("%q: issues %+v", src, info.Issues)
		}
	}
}

// Every ordinary template of the major model families passes: the chat
// templates of the tokenizer configs, the GGUF key dumps and the llama.cpp
// template collection in the shared corpus.
func TestCheckRealTemplatesPass(t *testing.T) {
	templates := map[string]string{}
	tok := testutil.Corpus(t, "fingerprints", "tokenizers")
	files, _ := filepath.Glob(filepath.Join(tok, "*tokenizer_config.json"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cfg struct {
			ChatTemplate json.RawMessage `json:"chat_template"`
		}
		if err := json.Unmarshal(data, &cfg); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var one string
		var named []struct{ Name, Template string }
		switch {
		case json.Unmarshal(cfg.ChatTemplate, &one) == nil && one != "":
			templates[filepath.Base(f)] = one
		case json.Unmarshal(cfg.ChatTemplate, &named) == nil:
			for _, n := range named {
				templates[filepath.Base(f)+":"+n.Name] = n.Template
			}
		}
	}
	kvs, _ := filepath.Glob(filepath.Join(tok, "ollama-convert-testdata", "*.gguf-kv.json"))
	for _, f := range kvs {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var kv map[string]any
		if err := json.Unmarshal(data, &kv); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k, v := range kv {
			if s, ok := v.(string); ok && strings.HasPrefix(k, "tokenizer.chat_template") {
				templates[filepath.Base(f)+":"+k] = s
			}
		}
	}
	jinja, _ := filepath.Glob(filepath.Join(testutil.Corpus(t, "fingerprints", "llamacpp", "templates"), "*.jinja"))
	more, _ := filepath.Glob(filepath.Join(tok, "*.jinja"))
	for _, f := range append(jinja, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		info, err := Read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if len(info.Issues) != 0 {
			t.Errorf("%s: %+v", filepath.Base(f), info.Issues)
		}
		templates[filepath.Base(f)] = string(data)
	}
	if len(templates) < 30 {
		t.Fatalf("only %d templates found in the corpus", len(templates))
	}
	for name, src := range templates {
		if info := Check(src); len(info.Issues) != 0 {
			t.Errorf("%s: %+v", name, info.Issues)
		}
	}
	t.Logf("%d real templates checked, none flagged", len(templates))
}

func TestCheckCaps(t *testing.T) {
	src := strings.Repeat("{{ x.__class__ }}", limits.MaxChatTemplateIssues+10)
	info := Check(src)
	if len(info.Issues) != limits.MaxChatTemplateIssues || !info.Truncated {
		t.Errorf("%d issues, truncated %v", len(info.Issues), info.Truncated)
	}
	big := strings.Repeat("a", limits.MaxChatTemplateBytes) + "{{ x.__class__ }}"
	if info := Check(big); len(info.Issues) != 0 || !info.Truncated || info.Bytes != len(big) {
		t.Errorf("big: %+v", info)
	}
	// Unclosed regions and strings run to the end without a fault.
	for _, src := range []string{"{{ x.__class__", "{% set a = '__class__", "{{", "{#", "{", "{{ '\\"} {
		Check(src)
	}
}

func FuzzCheck(f *testing.F) {
	for _, c := range hostile {
		f.Add(c.src)
	}
	f.Add("{% for m in messages %}{{ m['role'] }}{% endfor %}")
	f.Fuzz(func(t *testing.T, src string) {
		info := Check(src)
		for _, is := range info.Issues {
			if is.Offset < 0 || is.Offset >= len(src) {
				t.Fatalf("offset %d out of %d", is.Offset, len(src))
			}
		}
		if len(info.Issues) > limits.MaxChatTemplateIssues {
			t.Fatal("issues over the cap")
		}
	})
}
