package spss

import "fmt"

// formatError carries where in the file a problem was found, so a
// researcher can tell a truncated download from an exotic writer.
type formatError struct {
	name   string
	offset int64
	record string
	what   string
	todo   string
	err    error
}

func (e *formatError) Error() string {
	return fmt.Sprintf("%s: offset %d (record type %s): %s — %s", e.name, e.offset, e.record, e.what, e.todo)
}

func (e *formatError) Unwrap() error { return e.err }

const (
	todoReexport  = "the file is damaged or truncated; copy or export it again from SPSS"
	todoResave    = "open the file in SPSS or PSPP and save it again as .sav"
	todoTooLarge  = "split the data set in SPSS, or raise the limit in package spss if the file is genuine"
	todoTruncated = "the file is truncated; copy or download it again"
)
