// Package lmstudio reads the layout of LM Studio's models folder: each
// model a file at models/PUBLISHER/REPO/FILE, PUBLISHER/REPO being the
// Hugging Face repository it was downloaded from ([Repo]), the folder
// under ~/.lmstudio or the older ~/.cache/lm-studio ([Locations]). It
// knows the layout, not the release: package manifest reads such a file
// as a release of that repository (manifest.FileSource).
//
// LM Studio's configurable download folder (its settings file) is not
// read.
package lmstudio
