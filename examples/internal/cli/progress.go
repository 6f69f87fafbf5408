package cli

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/modelvet/modelvet/integrity"
	"github.com/modelvet/modelvet/internal/textsafe"
)

// ProgressBar draws hashing progress on w when w is a terminal; it returns
// nil otherwise, so that logs and pipes get no control characters. One
// bar is drawn per hashing run and cleared when the run ends.
func ProgressBar(w io.Writer) func(integrity.Progress) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	var bar *progressbar.ProgressBar
	var total int64
	return func(p integrity.Progress) {
		if bar == nil || p.Total != total {
			total = p.Total
			bar = progressbar.NewOptions64(p.Total,
				progressbar.OptionSetWriter(w),
				progressbar.OptionShowBytes(true),
				progressbar.OptionUseIECUnits(true),
				progressbar.OptionSetWidth(30),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
				progressbar.OptionSetPredictTime(true),
			)
		}
		bar.Describe("hashing " + textsafe.Truncate(textsafe.Line(p.Path), 40))
		bar.Set64(p.Done)
		if p.FilesDone == p.FilesTotal && p.Done == p.Total {
			bar.Finish()
			bar = nil
		}
	}
}
