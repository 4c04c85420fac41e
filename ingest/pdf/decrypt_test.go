package pdf

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
)

// TestDecrypt opens the shared encrypted samples (RC4 40-bit and AES-128 with an inline
// encryption dictionary, AES-256 R6 with user and owner passwords) and one encrypted here
// with pdfcpu: the right password gives a file that extracts without any password, a wrong
// one gives ErrWrongPassword, and the password never appears in an error.
func TestDecrypt(t *testing.T) {
	corpus(t)
	base := readCorpus(t, "encryption/base.pdf")
	conf := pdfcpuConfig()
	conf.UserPW, conf.OwnerPW = "s3cret-user", "s3cret-owner"
	conf.EncryptUsingAES, conf.EncryptKeyLength = true, 256
	var made bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(base), &made, conf); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, password string
		data           []byte
		want           string
	}{
		{"rc4-40", "foo", readCorpus(t, "encryption/rc4-40.pdf"), "Secret!"},
		{"aes-128", "foo", readCorpus(t, "encryption/aes-128.pdf"), "Secret!"},
		{"aes-256-r6 user", "usersecret", readCorpus(t, "encryption/aes-256-r6.pdf"), "Hello World"},
		{"aes-256-r6 owner", "ownersecret", readCorpus(t, "encryption/aes-256-r6.pdf"), "Hello World"},
		{"pdfcpu aes-256", "s3cret-user", made.Bytes(), "Secret!"},
		{"damaged rc4-40", "foo", damages()["wrong startxref"](readCorpus(t, "encryption/rc4-40.pdf")), "Secret!"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Extract(context.Background(), tc.data, Config{}); !errors.Is(err, ErrPasswordProtected) {
				t.Fatalf("without password: err = %v, want ErrPasswordProtected", err)
			}
			_, err := Decrypt(tc.data, "wrong-"+tc.password)
			if !errors.Is(err, ErrWrongPassword) {
				t.Errorf("wrong password: err = %v, want ErrWrongPassword", err)
			} else if strings.Contains(err.Error(), tc.password) {
				t.Errorf("the error %q echoes the password", err)
			}
			clear, err := Decrypt(tc.data, tc.password)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			doc, err := Extract(context.Background(), clear, Config{})
			if err != nil {
				t.Fatalf("Extract of the decrypted file: %v", err)
			}
			if !strings.Contains(docText(doc), tc.want) {
				t.Errorf("text = %q, want %q", docText(doc), tc.want)
			}
		})
	}
	// A file that is not encrypted comes back unchanged, whatever the password.
	if out, err := Decrypt(base, "anything"); err != nil || !bytes.Equal(out, base) {
		t.Errorf("unencrypted file: err %v, changed %v", err, !bytes.Equal(out, base))
	}
}
