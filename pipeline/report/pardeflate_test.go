package report

import (
	"bytes"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"
)

// withChunk runs fn with the Codings sheet deflated in chunks of n bytes.
func withChunk(n int, fn func()) {
	old := parChunk
	parChunk = n
	defer func() { parChunk = old }()
	fn()
}

// A Codings sheet deflated in many chunks must hold the cells one chunk
// gives, and be a different deflate stream (or the test proves nothing).
func TestChunkedCodingsSheetReadsTheSame(t *testing.T) {
	sheet := func(chunk int) ([][]string, []byte) {
		var rows [][]string
		var file []byte
		withChunk(chunk, func() {
			dir, _ := writeFixture(t, "nl", Options{Formats: []string{"xlsx"}})
			file = read(t, filepath.Join(dir, "report.xlsx"))
			f, err := excelize.OpenFile(filepath.Join(dir, "report.xlsx"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if rows, err = f.GetRows("Coderingen"); err != nil {
				t.Fatal(err)
			}
		})
		return rows, file
	}
	whole, wholeFile := sheet(1 << 30)
	for _, chunk := range []int{1, 7, 97, 500} {
		rows, file := sheet(chunk)
		if !reflect.DeepEqual(rows, whole) {
			t.Errorf("chunks of %d bytes: the Codings sheet reads differently (%d rows, want %d)", chunk, len(rows), len(whole))
		}
		if bytes.Equal(file, wholeFile) {
			t.Errorf("chunks of %d bytes gave the bytes of one chunk", chunk)
		}
	}
	if len(whole) < 5 {
		t.Fatalf("the fixture's Codings sheet has %d rows", len(whole))
	}
}

// Reruns that copy parts deflated in chunks must still write what a fresh
// rendering writes, whatever the sheet size.
func TestCopiedSheetPartsInChunks(t *testing.T) {
	withChunk(97, func() { TestCopiedSheetPartsAnySheetSize(t) })
}
