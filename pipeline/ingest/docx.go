package ingest

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits that stop a crafted .docx (a zip bomb) from exhausting memory:
// the declared sizes in a zip cannot be trusted, so the decompressed
// stream itself is cut off.
const (
	maxDocxFile       = 100 << 20
	maxDocxEntries    = 10000
	maxDocxUncompress = 50 << 20
)

// readDocxParagraphs returns the text of each paragraph of a Word
// document's body, in order. Formatting is dropped, so a bold "Naam:" reads
// the same as a plain one; tabs and line breaks inside a paragraph are kept
// as spaces.
func readDocxParagraphs(path string) ([]string, error) {
	if _, err := readLimitedStat(path, maxDocxFile); err != nil {
		return nil, err
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("not a Word .docx file: %v", err)
	}
	defer zr.Close()
	return docxParagraphs(&zr.Reader)
}

func docxParagraphs(zr *zip.Reader) ([]string, error) {
	if len(zr.File) > maxDocxEntries {
		return nil, fmt.Errorf("archive has %d entries, more than the %d allowed", len(zr.File), maxDocxEntries)
	}
	var doc *zip.File
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			doc = f
		}
	}
	if doc == nil {
		return nil, errors.New("not a Word .docx file: word/document.xml is missing")
	}
	rc, err := doc.Open()
	if err != nil {
		return nil, fmt.Errorf("cannot open word/document.xml: %v", err)
	}
	defer rc.Close()
	return documentParagraphs(rc)
}

// documentParagraphs reads word/document.xml, cut off at the size limit.
func documentParagraphs(r io.Reader) ([]string, error) {
	lr := &limitedReader{r: r, left: maxDocxUncompress}
	dec := xml.NewDecoder(lr)
	var paras []string
	var cur strings.Builder
	inPara, inText := false, false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if lr.exceeded {
				return nil, fmt.Errorf("word/document.xml unpacks to more than %d bytes", maxDocxUncompress)
			}
			return nil, fmt.Errorf("word/document.xml is damaged: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "p":
				inPara = true
				cur.Reset()
			case "t":
				inText = true
			case "tab", "br", "cr":
				if inPara {
					cur.WriteByte(' ')
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "p":
				if inPara {
					paras = append(paras, strings.TrimSpace(cur.String()))
				}
				inPara = false
			case "t":
				inText = false
			}
		case xml.CharData:
			if inText && inPara {
				cur.Write(t)
			}
		}
	}
	if lr.exceeded {
		return nil, fmt.Errorf("word/document.xml unpacks to more than %d bytes", maxDocxUncompress)
	}
	return paras, nil
}

// limitedReader fails, rather than silently truncating, past its limit.
type limitedReader struct {
	r        io.Reader
	left     int64
	exceeded bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		l.exceeded = true
		return 0, errors.New("size limit exceeded")
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
