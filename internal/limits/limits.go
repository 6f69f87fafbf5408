// Package limits holds every cap modelvet applies to untrusted input, in one
// place. Parsers never allocate from a length field: they check it against
// the cap here first, and read in bounded chunks.
package limits

const (
	// MaxCardBytes caps a model card (README.md) read from a release.
	MaxCardBytes = 4 << 20
	// MaxFrontMatterBytes caps the YAML front matter of a card, checked
	// before any YAML decoding.
	MaxFrontMatterBytes = 512 << 10
	// MaxYAMLNodes caps the nodes decoded from one YAML document, counting
	// each alias expansion, so that alias bombs cannot exhaust memory.
	MaxYAMLNodes = 200_000
	// MaxYAMLDepth caps the nesting depth of a decoded YAML document, and
	// of its flow collections ([…], {…}) before it is parsed: the YAML
	// library's parse time grows with the square of their nesting.
	MaxYAMLDepth = 64
	// MaxYAMLMappingKeys caps the keys of one block mapping of a YAML
	// document, counted before it is parsed: the YAML library's parse time
	// grows with the square of that count (a 512 KiB front matter of
	// 53,000 keys takes 14 s; 4096 keys, 65 ms). Cards hold a few dozen
	// keys per mapping, benchmark results included.
	MaxYAMLMappingKeys = 4096

	// MaxJSONBytes caps small JSON documents: config.json,
	// generation_config.json, adapter configs, store manifests.
	MaxJSONBytes = 8 << 20
	// MaxJSONDepth caps the nesting of every JSON document read from
	// untrusted input (Hub records, configs, indexes, headers, store
	// manifests, signature bundles and trust files), checked before any
	// decoder sees it (jsonscan.TooDeep). Real documents nest a few levels
	// (Keras configurations of nested models a few dozen). gjson's
	// validator recurses once per level without a limit and overflows the
	// stack on megabytes of brackets; encoding/json and protojson stop at
	// 10,000 levels.
	MaxJSONDepth = 512
	// MaxIndexBytes caps a sharded-weights index such as
	// model.safetensors.index.json (weight maps of large models run to a few MB).
	MaxIndexBytes = 64 << 20
	// MaxIndexShards caps the number of distinct shard files an index names.
	MaxIndexShards = 100_000
	// MaxIndexTensors caps the weight_map entries of a sharded-weights index
	// (the largest public models map a few hundred thousand tensors).
	MaxIndexTensors = 4 << 20
	// MaxIndexIssues caps the cross-file issues reported for one index
	// against its shards; the rest are counted in one summary issue.
	MaxIndexIssues = 1000

	// MaxLFSPointerBytes is the largest file read as a Git LFS pointer:
	// Git LFS itself treats bigger files as content (its spec's limit).
	MaxLFSPointerBytes = 1024

	// MaxLicenseTextBytes caps one licence text (LICENSE, NOTICE,
	// USE_POLICY, licence layers); longer texts are truncated and marked.
	MaxLicenseTextBytes = 1 << 20

	// MaxSafetensorsHeader caps the JSON header of a safetensors file, as the
	// reference implementation does (MAX_HEADER_SIZE).
	MaxSafetensorsHeader = 100_000_000
	// MaxSafetensorsMetadata caps the __metadata__ entries of one safetensors
	// header (writers store a handful; the header cap bounds the bytes).
	MaxSafetensorsMetadata = 10_000

	// MaxGGUFTensors caps the tensor count of a GGUF file.
	MaxGGUFTensors = 1 << 20
	// MaxGGUFKV caps the metadata key-value count of a GGUF file.
	MaxGGUFKV = 1 << 16
	// MaxGGUFArrayLen caps the element count of one GGUF array (tokenizer
	// vocabularies run to a few hundred thousand entries).
	MaxGGUFArrayLen = 1 << 24
	// MaxGGUFString caps one GGUF string (chat templates can be large).
	MaxGGUFString = 16 << 20
	// MaxGGUFKeyLen caps a GGUF metadata key, as the specification does.
	MaxGGUFKeyLen = 65535
	// MaxGGUFTensorNameLen caps a tensor name (ggml allows 63 bytes; some
	// writers exceed it, so keep slack).
	MaxGGUFTensorNameLen = 4096
	// MaxGGUFDims caps tensor dimensions, as ggml's GGML_MAX_DIMS does.
	MaxGGUFDims = 4
	// MaxGGUFMetadataBytes caps the total bytes of GGUF metadata and tensor
	// infos walked in one file (everything before the tensor data).
	MaxGGUFMetadataBytes = 512 << 20
	// MaxGGUFKeptBytes caps the bytes of keys, string values, short arrays
	// and tensor names kept in memory from one GGUF file; long arrays are
	// walked but not kept, so vocabularies do not count.
	MaxGGUFKeptBytes = 64 << 20
	// MaxGGUFShortArray is the longest array kept element by element in
	// GGUF metadata; longer arrays (tokenizer vocabularies, merges, scores)
	// are summarised by element type and length.
	MaxGGUFShortArray = 64
	// MaxGGUFSpecialTokens caps the control-like tokens ("<|im_start|>",
	// "[INST]", "<bos>") kept from a GGUF token list with their ids; Gemma
	// 3's list has about 6,400.
	MaxGGUFSpecialTokens = 1 << 14
	// MaxVocabularyPrefixes caps the digests of a token list's prefixes
	// kept while walking it (the last ones are kept: the base vocabulary
	// ends near the end of the list).
	MaxVocabularyPrefixes = 16

	// MaxTensorShapes caps the tensors of one weight file whose names and
	// shapes are kept for inferring the architecture (a 92,000-tensor
	// mixture of experts spreads them over many shards).
	MaxTensorShapes = 1 << 17
	// MaxShapeDims caps the dimensions of a shape kept; tensors of more
	// dimensions are kept without a shape.
	MaxShapeDims = 8

	// MaxPickleBytes caps how much of one pickle stream is walked.
	MaxPickleBytes = 256 << 20
	// MaxPickleOps caps the opcodes walked in one pickle stream.
	MaxPickleOps = 50_000_000
	// MaxPickleGlobals caps the distinct globals recorded from one file.
	MaxPickleGlobals = 10_000
	// MaxPickleStreams caps the concatenated pickles walked in one legacy
	// PyTorch file.
	MaxPickleStreams = 8
	// MaxPickleMembers caps the pickle members walked inside one zip
	// container (PyTorch zips hold data.pkl, TorchScript adds constants.pkl).
	MaxPickleMembers = 64
	// MaxPickleStack caps the depth of the simulated pickle stack (and of
	// its marks); real checkpoints stay far below it.
	MaxPickleStack = 1 << 18
	// MaxPickleMemo caps the memo entries tracked to resolve STACK_GLOBAL
	// operands; past it, operands fetched from the memo resolve as unknown.
	MaxPickleMemo = 1 << 20
	// MaxPickleNameLen caps a string kept as a possible module or name
	// operand; longer operands resolve as unknown.
	MaxPickleNameLen = 1024
	// MaxPickleKeptBytes caps the string bytes kept from one pickle stream
	// to resolve operands; strings past it resolve as unknown.
	MaxPickleKeptBytes = 32 << 20
	// MaxPickleExpansion is the expanded size (objects counted once per
	// path that reaches them) from which a pickle is reported as an
	// expansion bomb, when it is also PickleExpansionRatio times its
	// opcode count: honest pickles build about one object per opcode.
	MaxPickleExpansion   = 10_000_000
	PickleExpansionRatio = 100
	// MaxPickleExpansionCount is where expanded sizes saturate.
	MaxPickleExpansionCount = 1 << 62
	// MaxPickleGraphNodes and MaxPickleGraphEdges bound the object graph
	// kept to compute expanded sizes; past them, sizes are tracked on the
	// stack only.
	MaxPickleGraphNodes = 1 << 20
	MaxPickleGraphEdges = 1 << 22
	// MaxZipEntries caps the members listed in a zip container, checked
	// against the end-of-central-directory record before it is read.
	MaxZipEntries = 1 << 16
	// MaxTarEntries caps the members listed in one tar layer of an OCI
	// artifact.
	MaxTarEntries = 1 << 16
	// MaxCompressedTarBytes caps the size of a compressed (gzip, zstd) tar
	// layer whose members are listed: listing decompresses the whole layer.
	MaxCompressedTarBytes = 256 << 20
	// MaxTarDecompressedBytes caps the bytes decompressed while listing one
	// compressed tar layer.
	MaxTarDecompressedBytes = 1 << 30
	// MaxZstdWindowBytes caps the memory a zstd frame may ask the decoder
	// for (its window).
	MaxZstdWindowBytes = 64 << 20
	// MaxTarMemberTextBytes caps a text member (card, config, index,
	// licence, signature) of a compressed tar kept in memory to be read;
	// MaxTarMemberHeaderBytes the first bytes of a weight member kept for
	// its header; MaxTarKeptBytes all the bytes kept from the compressed
	// tars of one release.
	MaxTarMemberTextBytes   = 8 << 20
	MaxTarMemberHeaderBytes = 32 << 20
	MaxTarKeptBytes         = 128 << 20
	// MaxKerasConfigBytes caps config.json read from a Keras v3 archive.
	MaxKerasConfigBytes = 16 << 20
	// MaxKerasScanBytes caps what is scanned for a model configuration at
	// each end of an HDF5 file; a larger file is scanned at its first and
	// last MaxKerasScanBytes only. Keras writes the model_config attribute
	// before the weights, so it lies near the start.
	MaxKerasScanBytes = 8 << 20
	// MaxONNXFields caps the protobuf fields walked in one ONNX file;
	// MaxONNXListed the operator sets, metadata entries and external
	// tensors recorded; MaxONNXString a name or value kept.
	MaxONNXFields = 1 << 22
	MaxONNXListed = 10_000
	MaxONNXString = 4 << 10
	// MaxNPYHeaderBytes caps the header of a NumPy .npy file (NumPy
	// itself refuses headers over 10,000 bytes unless told otherwise);
	// MaxNPYHeaderDepth and MaxNPYHeaderItems bound its literal.
	MaxNPYHeaderBytes = 1 << 20
	MaxNPYHeaderDepth = 16
	MaxNPYHeaderItems = 4096
	// MaxDecompressWindowBytes caps the window or dictionary a compressed
	// stream's header may ask a decoder for (LZMA, xz, zstd), checked
	// before the decoder allocates it.
	MaxDecompressWindowBytes = 64 << 20
	// MaxArchiveEntries caps the entries listed from one zip, tar or 7z
	// archive. MaxArchiveMemberBytes caps a compressed member decompressed
	// into memory to be read; MaxArchiveBytes all the bytes decompressed
	// from one archive. MaxArchiveDepth caps archives within archives;
	// MaxArchiveMembersRead the members of one archive read with the
	// readers of their formats. MaxSevenZipHeaderBytes caps the header of
	// a 7z archive, decompressed.
	MaxArchiveEntries      = 1 << 16
	MaxArchiveMemberBytes  = 32 << 20
	MaxArchiveBytes        = 256 << 20
	MaxArchiveDepth        = 3
	MaxArchiveMembersRead  = 1024
	MaxSevenZipHeaderBytes = 16 << 20
	// MaxJoblibDecompressedBytes caps the bytes decompressed from one
	// compressed joblib file; they are walked as a stream, never kept.
	// Below it, a stream may decompress to at most MaxDecompressRatio
	// times its compressed size, or MinDecompressBytes when that is more:
	// real models compress a few times, and a bomb that decompresses
	// without end costs time even when nothing is kept.
	MaxJoblibDecompressedBytes = 1 << 30
	MaxDecompressRatio         = 1000
	MinDecompressBytes         = 64 << 20
	// MaxSavedModelFields caps the protobuf fields walked in one
	// saved_model.pb; MaxSavedModelDepth the nesting of its messages;
	// MaxSavedModelNodes the op types and flagged nodes recorded;
	// MaxSavedModelString a node name or op kept.
	MaxSavedModelFields = 1 << 24
	MaxSavedModelDepth  = 32
	MaxSavedModelNodes  = 10_000
	MaxSavedModelString = 1024
	// MaxSkopsSchemaBytes caps the schema.json read from a skops file;
	// MaxSkopsTypes the types recorded from it.
	MaxSkopsSchemaBytes = 16 << 20
	MaxSkopsTypes       = 10_000
	// MaxChatTemplateBytes caps a chat template checked (GGUF
	// tokenizer.chat_template, tokenizer_config.json chat_template, a
	// .jinja file): the largest real templates, with tool calling, are
	// tens of KB. MaxChatTemplateIssues caps the issues listed per
	// template.
	MaxChatTemplateBytes  = 1 << 20
	MaxChatTemplateIssues = 64
	// MaxKerasLambdas caps the Lambda layers recorded from one file.
	MaxKerasLambdas = 1000

	// MaxFilesPerRelease caps the files listed in one release.
	MaxFilesPerRelease = 1 << 17
	// MaxWalkDepth caps directory depth when walking a release or sweeping.
	MaxWalkDepth = 64
	// MaxGateTargets caps the targets one gate run reads from a list.
	MaxGateTargets = 100_000
	// MaxSweepEntries caps directory entries visited by one sweep.
	MaxSweepEntries = 10_000_000
	// MaxSweepProblems caps the problems one sweep records (unreadable
	// directories, cut-off depths); the count past it is still reported.
	MaxSweepProblems = 1000
	// MaxWalkProblems caps the problems recorded while listing one release
	// (special files, broken links); the rest are counted in one problem.
	MaxWalkProblems = 1000

	// MaxStoreLayers caps the layers of one Ollama or OCI manifest (Ollama's
	// safetensors-native models have a layer per tensor).
	MaxStoreLayers = 1 << 16
	// MaxStoreModels caps the models listed from one Ollama store or OCI
	// layout.
	MaxStoreModels = 1 << 16
	// MaxStoreTextBytes caps a text layer of a store (template, system
	// prompt, parameters, messages) kept in the release description.
	MaxStoreTextBytes = 1 << 20
	// MaxHFSnapshots caps the snapshots considered in one Hugging Face
	// cache repository.
	MaxHFSnapshots = 4096

	// MaxSignatureBytes caps a signature bundle (model.sig); bundles with
	// per-shard resource lists of very large models reach a few MB.
	MaxSignatureBytes = 64 << 20
	// MaxSignatureResources caps the resources listed by one signature, and
	// the shards a local manifest is cut into when checking a signature.
	MaxSignatureResources = 1 << 20
	// MaxSignatureNameLen caps one resource name or ignore path of a
	// signature.
	MaxSignatureNameLen = 4096
	// MaxSignatureIgnorePaths caps the ignore paths a signature records.
	MaxSignatureIgnorePaths = 4096
	// MaxCertificateChain caps the certificates of one signature bundle.
	MaxCertificateChain = 16
	// MaxTrustFileBytes caps a trust file: a PEM public key or certificate
	// bundle, a Sigstore trusted_root.json or client trust config.
	MaxTrustFileBytes = 4 << 20

	// MaxTokenizerJSONBytes caps a tokenizer.json read for its fingerprint
	// (the largest public ones, Gemma 3's and Llama 4's, run to about 33 MB).
	MaxTokenizerJSONBytes = 64 << 20
	// MaxTokenizerTokens caps the vocabulary of one tokenizer (entries of
	// tokenizer.json's model.vocab) and the token ids it may use; the largest
	// public vocabularies hold about 260,000 tokens.
	MaxTokenizerTokens = 1 << 21
	// MaxTokenizerAddedTokens caps the added tokens kept from one file
	// (added_tokens, added_tokens_decoder; Gemma 3 declares about 6,400).
	MaxTokenizerAddedTokens = 1 << 14
	// MaxTokenLen caps one special token's text kept in a fingerprint;
	// longer tokens are left out.
	MaxTokenLen = 256
	// MaxStopTokenIDs caps the ids of one eos_token_id list.
	MaxStopTokenIDs = 64
	// MaxArchitectureClasses caps the model classes ("architectures") kept
	// from one config.json; configs name one, rarely two.
	MaxArchitectureClasses = 16
	// MaxChatTemplateMarkers caps the distinct markers (control-token-like
	// strings such as "<|im_start|>") kept from one chat template.
	MaxChatTemplateMarkers = 64

	// MaxKnowledgeBaseFile caps one knowledge-base file, embedded or overlaid.
	MaxKnowledgeBaseFile = 16 << 20

	// MaxPolicyBytes caps a policy file.
	MaxPolicyBytes = 1 << 20

	// MaxLineageDepth caps how far lineage is followed from the audited model.
	MaxLineageDepth = 16
	// MaxLineageNodes caps the models in one lineage graph.
	MaxLineageNodes = 512
	// MaxModelName caps a model name or id read from a release (card,
	// GGUF metadata, configs) before it is parsed; longer names are cut.
	MaxModelName = 512
	// MaxDeclaredBases caps the bases and datasets read from one source of
	// a release (a card's base_model list, GGUF general.base_model.count).
	MaxDeclaredBases = 64
	// MaxStatementLine caps the length of a card line examined for
	// statements about training data; longer lines are cut.
	MaxStatementLine = 2048
	// MaxStatements caps the statements reported from one card body.
	MaxStatements = 64

	// MaxHubRequests caps HTTP requests made while auditing one Hub
	// repository, counting every retry and redirect. A repository of 163
	// safetensors shards takes about 330.
	MaxHubRequests = 2048
	// MaxHubBytes caps response-body bytes downloaded while auditing one Hub
	// repository (the API record, small text files and weight headers). A
	// repository of many GGUF files with large tokenizer vocabularies needs
	// a few MB per file.
	MaxHubBytes = 256 << 20
	// MaxHubAPIBytes caps one Hub API response (a model record with its file
	// list), after decompression.
	MaxHubAPIBytes = 32 << 20
	// MaxHubHeaderBytes caps what is read remotely of one weight file: the
	// safetensors header, the GGUF metadata and tensor infos, or the pickle
	// of a PyTorch checkpoint. Tensor data is never read.
	MaxHubHeaderBytes = 32 << 20
	// MaxHubSignedFiles and MaxHubSignedFileBytes cap the small files
	// outside LFS that a remote audit downloads, when the repository holds
	// a model signature, so that the signature can be checked against
	// their bytes; MaxHubSignedBytes caps their total.
	MaxHubSignedFiles     = 64
	MaxHubSignedFileBytes = 1 << 20
	MaxHubSignedBytes     = 8 << 20
	// MaxHubTokenizerBytes caps the config and tokenizer files a remote
	// audit reads: a tokenizer.json is read for its vocabulary digest when
	// it is this small (Llama 2's and Mistral's are about 2 MB, Qwen's and
	// Llama 3's 7 to 9 MB); a larger one is listed, not read.
	MaxHubTokenizerBytes = 4 << 20
	// MaxHubErrorBody caps what is read of an error response from the Hub.
	MaxHubErrorBody = 4 << 10
	// MaxHubRedirects caps the redirects followed for one request.
	MaxHubRedirects = 5
	// MaxHubRetryAfterSeconds caps how long a Retry-After header may make
	// one retry wait; a server asking for longer fails the request.
	MaxHubRetryAfterSeconds = 60
	// MaxHubRangeSkip caps the bytes discarded from a server that ignores a
	// Range request and sends the whole file, to reach the wanted offset.
	MaxHubRangeSkip = 1 << 20
	// MaxHubListingPageBytes caps one page of the Hub's model listing (a
	// page of 1,000 entries is well under 1 MiB), and MaxHubListingPages
	// the pages one listing follows (the whole Hub, about two million
	// models, is about 2,000 pages of 1,000).
	MaxHubListingPageBytes = 16 << 20
	MaxHubListingPages     = 100_000
	// MaxHubFileList caps the files of one Hub repository listing.
	MaxHubFileList = MaxFilesPerRelease
	// MaxHubPathLen caps the length of one file path in a Hub listing.
	MaxHubPathLen = 4096
	// MaxHubIndexPrefix caps what is read remotely of a sharded-weights
	// index too large to read whole (manifest.HubOptions.IndexBytes): its
	// first bytes, which hold metadata.total_size in indexes as
	// transformers writes them.
	MaxHubIndexPrefix = 64 << 10
	// MaxHubDtypes caps the dtypes of the Hub API's safetensors summary.
	MaxHubDtypes = 64
)
