package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	lpdf "github.com/ledongthuc/pdf"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// open returns a ledongthuc reader for data. ledongthuc is tried first because it is cheap, but
// it is only trusted with unencrypted files: measured on the shared samples it derives wrong
// object keys for 40-bit RC4 (dmca.pdf and kampo.pdf then fail with "zlib: invalid header")
// and cannot read AES-256 at all. Encrypted files, and files ledongthuc refuses (PDF 2.0
// header, junk before the header, an xref it cannot follow), are rewritten by pdfcpu first:
// decrypted with the empty user password, so files encrypted only to restrict permissions
// open while files needing a real password fail with ErrPasswordProtected.
func open(data []byte) (r *lpdf.Reader, err error) {
	r, directErr := newReader(data)
	if directErr == nil && !isEncrypted(r) {
		return r, nil
	}
	clean, wasEncrypted, err := normalize(data)
	switch {
	case errors.Is(err, pdfcpu.ErrWrongPassword):
		return nil, ErrPasswordProtected
	case errors.Is(directErr, lpdf.ErrInvalidPassword) && (err != nil || !wasEncrypted):
		// pdfcpu overlooks an encryption dictionary written inline in the trailer (it expects an
		// indirect reference) and would return still-encrypted bytes; ledongthuc's password
		// check, which does read inline dictionaries, is the verdict then.
		return nil, ErrPasswordProtected
	case err != nil && directErr == nil:
		// Encrypted but pdfcpu cannot rewrite it: ledongthuc's own decryption is the last resort.
		return r, nil
	case err != nil && strings.Contains(directErr.Error(), "unsupported"):
		return nil, fmt.Errorf("%w: %w (rewrite failed: %w)", ErrUnsupported, directErr, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %w (rewrite failed: %w)", ErrCorrupt, directErr, err)
	}
	if !wasEncrypted && encryptEntry.Match(data) {
		// pdfcpu repaired the file but lost its encryption dictionary on the way (a damaged
		// cross-reference table): its output would hold still-encrypted streams. Report
		// damage so that Extract rebuilds the table itself and finds the encryption.
		return nil, fmt.Errorf("%w: the encryption dictionary could not be located", ErrCorrupt)
	}
	r, err = newReader(clean)
	if err != nil {
		return nil, fmt.Errorf("%w: rewritten file still unreadable: %w", ErrCorrupt, err)
	}
	return r, nil
}

// encryptEntry finds an /Encrypt entry (a reference) in a trailer or xref stream dictionary.
var encryptEntry = regexp.MustCompile(`/Encrypt\s*\d+\s+\d+\s+R`)

func isEncrypted(r *lpdf.Reader) (enc bool) {
	defer func() {
		if recover() != nil {
			enc = true // unreadable trailer: let pdfcpu look at it
		}
	}()
	return !r.Trailer().Key("Encrypt").IsNull()
}

// newReader wraps lpdf.NewReader; it already recovers its own panics but a second guard costs
// nothing and keeps a future regression from crashing the worker.
func newReader(data []byte) (r *lpdf.Reader, err error) {
	defer recoverAs(&err, "open")
	return lpdf.NewReader(bytes.NewReader(data), int64(len(data)))
}

// normalize rewrites data with pdfcpu: decrypted with the empty user password (so files that
// are encrypted only to restrict permissions open, while files needing a real password fail
// with pdfcpu.ErrWrongPassword), without object or xref streams, and with a 1.x header that
// ledongthuc accepts.
func normalize(data []byte) (out []byte, encrypted bool, err error) {
	defer recoverAs(&err, "rewrite")
	conf := pdfcpuConfig()
	ctx, err := api.ReadContext(bytes.NewReader(data), conf)
	if err != nil {
		return nil, false, err
	}
	encrypted = ctx.Encrypt != nil
	if encrypted {
		// Set only after reading: the reader refuses DECRYPT for unencrypted files. When
		// writing, DECRYPT drops the security handler instead of re-encrypting.
		ctx.Cmd = model.DECRYPT
	}
	var buf bytes.Buffer
	if err := api.WriteContext(ctx, &buf); err != nil {
		return nil, encrypted, err
	}
	out = buf.Bytes()
	// ledongthuc only checks the header digit; every construct pdfcpu writes here is valid 1.7,
	// so patching the version in place (same length, no offsets move) is safe.
	if bytes.HasPrefix(out, []byte("%PDF-2.")) {
		copy(out, "%PDF-1.7")
	}
	return out, encrypted, nil
}

// pdfcpuConfig builds a configuration by hand. model.NewDefaultConfiguration creates and reads
// a config directory under the user's home unless the package-global model.ConfigPath is set
// to "disable"; flipping a global from a library would change pdfcpu for every other package in
// the worker, so the few fields reading and writing need are set here instead.
func pdfcpuConfig() *model.Configuration {
	return &model.Configuration{
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Eol:                       types.EolLF,
		WriteObjectStream:         false, // ledongthuc reads object streams, but plain objects are the safest common ground
		WriteXRefStream:           false,
		Offline:                   true,
		Limits:                    model.DefaultResourceLimits(),
		Cmd:                       model.VALIDATE,
	}
}

// recoverAs turns a panic into an ErrCorrupt-wrapped error. Both PDF libraries signal some
// malformed input by panicking; a panic must never take down the worker process.
func recoverAs(err *error, what string) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("%w: %s: internal parser failure: %v", ErrCorrupt, what, p)
	}
}
