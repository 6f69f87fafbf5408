package lmstudio

import (
	"os"
	"path/filepath"

	"github.com/modelvet/modelvet/stores"
)

// Locations returns the models folders LM Studio uses by default:
// ~/.lmstudio/models, and the older ~/.cache/lm-studio/models.
func Locations() []stores.Location {
	home, _ := os.UserHomeDir()
	if home == "" {
		return nil
	}
	return []stores.Location{
		{Path: filepath.Join(home, ".lmstudio", "models"), From: "default"},
		{Path: filepath.Join(home, ".cache", "lm-studio", "models"), From: "default"},
	}
}

// Repo returns the repository ("PUBLISHER/REPO") a file in LM Studio's
// models folder was downloaded from: LM Studio keeps each model as
// models/PUBLISHER/REPO/FILE, under a folder named .lmstudio or lm-studio.
// It returns "" for any other path. The id is as the folders spell it:
// the caller checks it is a valid repository id.
func Repo(file string) string {
	repoDir := filepath.Dir(file)
	pubDir := filepath.Dir(repoDir)
	models := filepath.Dir(pubDir)
	if filepath.Base(models) != "models" {
		return ""
	}
	if app := filepath.Base(filepath.Dir(models)); app != ".lmstudio" && app != "lm-studio" {
		return ""
	}
	return filepath.Base(pubDir) + "/" + filepath.Base(repoDir)
}
