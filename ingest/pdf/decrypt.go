package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// ErrWrongPassword is returned by Decrypt when the password opens neither as the user nor as
// the owner password.
var ErrWrongPassword = errors.New("the password does not open the PDF")

// Decrypt returns data without its encryption, opened with password (tried as the user and as
// the owner password), so that the decrypted file can be stored and read later without any
// password. A file that is not encrypted is returned unchanged. The password never appears in
// an error.
func Decrypt(data []byte, password string) (out []byte, err error) {
	defer recoverAs(&err, "decrypt")
	out, err = decrypt(data, password)
	if err != nil && !errors.Is(err, ErrWrongPassword) {
		// Damaged cross-reference data hides the encryption dictionary from pdfcpu.
		if fixed, ok := rebuildXref(data); ok {
			if out2, err2 := decrypt(fixed, password); err2 == nil || errors.Is(err2, ErrWrongPassword) {
				return out2, err2
			}
		}
	}
	return out, err
}

func decrypt(data []byte, password string) ([]byte, error) {
	// pdfcpu only finds an encryption dictionary given as a reference; many producers write
	// it inline in the trailer. Move it into an object of its own first.
	if moved, ok := indirectEncrypt(data); ok {
		data = moved
	}
	conf := pdfcpuConfig()
	conf.UserPW, conf.OwnerPW = password, password
	ctx, err := api.ReadContext(bytes.NewReader(data), conf)
	switch {
	case errors.Is(err, pdfcpu.ErrWrongPassword):
		return nil, ErrWrongPassword
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	case ctx.Encrypt == nil:
		return data, nil
	}
	ctx.Cmd = model.DECRYPT
	var buf bytes.Buffer
	if err := api.WriteContext(ctx, &buf); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return buf.Bytes(), nil
}

var inlineEncrypt = regexp.MustCompile(`/Encrypt\s*<<`)

// indirectEncrypt rewrites a file whose last trailer holds its encryption dictionary inline:
// the dictionary becomes a new object, and a fresh cross-reference table (rebuilt by scanning)
// and trailer refer to it.
func indirectEncrypt(data []byte) ([]byte, bool) {
	trailer := lastTrailer(data)
	loc := inlineEncrypt.FindIndex(trailer)
	if loc == nil {
		return nil, false
	}
	dict := balancedDict(trailer[loc[1]-2:])
	if dict == nil {
		return nil, false
	}
	id := 1
	if m := sizeValue.FindSubmatch(trailer); m != nil {
		id, _ = strconv.Atoi(string(m[1]))
	}
	id = max(id, maxObjectID(data)+1)
	start := loc[1] - 2
	newTrailer := append(append(append([]byte{}, trailer[:start]...), []byte(" "+strconv.Itoa(id)+" 0 R")...), trailer[start+len(dict):]...)
	var b bytes.Buffer
	b.Write(data)
	fmt.Fprintf(&b, "\n%d 0 obj\n%s\nendobj\n", id, dict)
	return rebuildXrefWith(b.Bytes(), newTrailer)
}

var sizeValue = regexp.MustCompile(`/Size\s+(\d+)`)
