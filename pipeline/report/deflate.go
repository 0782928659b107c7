package report

import (
	"archive/zip"
	"io"

	kflate "github.com/klauspost/compress/flate"
)

// Deflate was 43% of the report stage's CPU at 200,000 responses, all in
// the standard library's compress/flate. github.com/klauspost/compress
// writes the same format faster; measured on that run's parts
// (BENCHMARKS.md):
//
//	project.qde, 835 MB:  compress/flate level 1 3.76 s, 145 MB; klauspost level 1 2.10–2.20 s, 140–147 MB
//	Codings sheet, 330 MB: compress/flate level 5 3.15 s, 28.7 MB; klauspost level 5 0.79 s, 31.5 MB
//
// so the project keeps the fastest level (it is ~2.4× its text and read
// once, by a QDA tool) and the workbook level 5, which stays within 10% of
// its old size at a quarter of the time. A fixed level of the version
// go.mod pins gives the same bytes for the same input, so reports stay
// byte-identical from run to run.
const (
	qdpxDeflateLevel = kflate.BestSpeed
	xlsxDeflateLevel = 5
)

// newDeflater returns a deflate writer at level; every zip this package
// writes, and the Codings part compressed ahead in xlsx_codings.go (which
// must match the workbook's own compressor byte for byte), use it.
func newDeflater(w io.Writer, level int) (io.WriteCloser, error) {
	return kflate.NewWriter(w, level)
}

// newZipWriter is a zip.Writer that deflates with newDeflater at level.
func newZipWriter(w io.Writer, level int) *zip.Writer {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) { return newDeflater(out, level) })
	return zw
}
