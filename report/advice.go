package report

import "github.com/modelvet/modelvet/finding"

// Advice says, for each finding code, what a buyer should do about it.
var Advice = map[finding.Code]string{
	finding.LicenseMissing:                "Ask the publisher for the licence; without one there is no right to use the model.",
	finding.LicenseUnknown:                "Read the licence text and classify it, or add it to the knowledge base.",
	finding.LicenseConflict:               "Establish which licence applies; the release declares more than one.",
	finding.LicenseInheritance:            "Apply the base model's licence terms too; the derivative's own licence does not replace them.",
	finding.LicenseNonCommercial:          "Do not use commercially without a separate licence from the licensor.",
	finding.LicenseResearchOnly:           "Use for research only, or obtain a commercial licence.",
	finding.LicenseUserThreshold:          "Check your user count or revenue against the threshold; above it, a separate licence is needed.",
	finding.LicenseUseRestrictions:        "Pass the acceptable-use terms on to your users and to anyone you give the model to.",
	finding.LicenseOutputRestriction:      "Check the cited term before using the model's outputs to train or improve other models; it limits or forbids that.",
	finding.LicenseNaming:                 "Follow the naming and attribution requirements when you distribute the model or products built with it.",
	finding.LicenseTerritory:              "Do not use the model in the excluded territories.",
	finding.LicenseCopyleft:               "Share changes under the same licence when you distribute them.",
	finding.IntegrityMismatch:             "Do not use these files: they differ from what was published or signed. Download the release again.",
	finding.IntegrityMissing:              "Obtain the missing files; the release is incomplete.",
	finding.IntegrityUnlisted:             "Find out where the unlisted files came from, or remove them.",
	finding.IntegrityUnverified:           "Verify the files (audit with -verify, against a signature or published digests).",
	finding.SignatureMissing:              "Ask the publisher for a model signature, or verify the files against published digests.",
	finding.SignatureInvalid:              "Do not use the model: its signature does not verify.",
	finding.SignatureUntrusted:            "Check who signed the model; the signer is not one your policy trusts.",
	finding.FormatPickle:                  "Prefer a safetensors or GGUF release; load pickle files only in isolation.",
	finding.FormatCodeExecution:           "Review the code it runs before loading it: no trust_remote_code, no unpickling, Keras only with safe_mode.",
	finding.FormatMalformed:               "Inspect the file the message names: it is missing, not what it claims to be, or could not be parsed, so it was not audited.",
	finding.ProvenanceOrigin:              "No action needed; recorded for procurement.",
	finding.ProvenanceRestrictedOutputs:   "Review the terms of the model whose outputs were used before relying on this model.",
	finding.ProvenanceAllegedDistillation: "Note the public allegations; they are not established facts.",
	finding.ProvenanceGovernmentPolicy:    "Do not use where the cited policy applies, or obtain the exception it provides.",
	finding.ProvenanceLineageUnknown:      "Ask the publisher which model this derives from.",
	finding.ProvenanceDeniedOrigin:        "Do not use the model: your policy denies models from this country or developer, or waive it for this model with a reason.",
	finding.ProvenanceLineageMismatch:     "Do not rely on the declared base: the files say otherwise. Ask the publisher which model this really derives from, and treat it as the model its files match until then.",
}
