package ingest

import "errors"

// readSPSS is wired to pipeline/ingest/spss once that package builds.
func readSPSS(path string) (*table, error) {
	return nil, errors.New("SPSS files are not supported yet; export the data as CSV from SPSS")
}
