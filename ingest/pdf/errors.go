package pdf

import "errors"

// Sentinel errors. Callers test them with errors.Is; the messages are written for a knowledge
// manager reading an ingestion failure, not for a developer. Errors that have a technical cause
// (ErrCorrupt, ErrUnsupported, ErrTimeout) wrap it, so errors.Unwrap still reaches the detail.
var (
	ErrTooLarge          = errors.New("the PDF file is larger than the allowed size")
	ErrTooManyPages      = errors.New("the PDF has more pages than the allowed maximum")
	ErrPasswordProtected = errors.New("the PDF is protected by a password; upload a copy without a password")
	ErrNoText            = errors.New("the PDF has no text layer (scanned document?); text recognition (OCR) is not supported")
	ErrCorrupt           = errors.New("the PDF file is damaged and could not be read")
	ErrUnsupported       = errors.New("the PDF uses a feature that is not supported")
	ErrTimeout           = errors.New("reading the PDF took too long")
	ErrTooComplex        = errors.New("the PDF needs more work to read than one document is allowed")
)
