// Package wordnet reads the Princeton WordNet 3.0 database files that Debian's wordnet-base
// package installs in /usr/share/wordnet: the exception lists and detachment rules that give
// an inflected English word its base form (children → child, went → go) and the synonyms of a
// word's most frequent senses (kid → child, youngster). It is read from disk at start and never
// downloaded; without the files a caller works on, with exact words only.
//
// WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. Used under the
// WordNet 3.0 licence (permission to use, copy, modify and distribute for any purpose without
// fee, with the copyright notice and disclaimer kept; see the README).
package wordnet

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DefaultDir is where Debian's wordnet-base installs the database.
const DefaultDir = "/usr/share/wordnet"

// SensesDefault is how many of a word's senses (per part of speech, most frequent first, as
// the index files order them) contribute synonyms: the rare senses of common words ("kid" the
// young goat) would add more noise than matches.
const SensesDefault = 2

var posNames = []string{"noun", "verb", "adj", "adv"}

// Thesaurus holds base forms and synonyms of single English words, lower-case. It is read-only
// after Load and safe for concurrent use. The zero value and nil know no words.
type Thesaurus struct {
	exceptions map[string][]string // inflected form → base forms, from the *.exc lists
	lemmas     [4]map[string]bool  // per part of speech, the words the index knows
	synonyms   map[string][]string // base form → synonyms of its first senses, without itself
}

// Load reads the database in dir, taking synonyms from the first senses of each word (0:
// SensesDefault). A missing directory returns an error wrapping fs.ErrNotExist.
func Load(dir string, senses int) (*Thesaurus, error) {
	if senses <= 0 {
		senses = SensesDefault
	}
	t := &Thesaurus{exceptions: map[string][]string{}, synonyms: map[string][]string{}}
	intern := map[string]string{}
	in := func(s string) string {
		if x, ok := intern[s]; ok {
			return x
		}
		intern[s] = s
		return s
	}
	for p, pos := range posNames {
		if err := eachLine(filepath.Join(dir, pos+".exc"), func(line string) {
			f := strings.Fields(line)
			if len(f) >= 2 && !strings.Contains(f[0], "_") {
				for _, b := range f[1:] {
					if !strings.Contains(b, "_") {
						t.exceptions[f[0]] = appendNew(t.exceptions[f[0]], in(b))
					}
				}
			}
		}); err != nil {
			return nil, err
		}
		// index.pos: lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
		wanted := map[int64][]string{} // synset offset → the lemmas whose first senses it is
		t.lemmas[p] = map[string]bool{}
		if err := eachLine(filepath.Join(dir, "index."+pos), func(line string) {
			if line == "" || line[0] == ' ' {
				return // the licence header
			}
			f := strings.Fields(line)
			if len(f) < 6 || strings.Contains(f[0], "_") {
				return
			}
			lemma := in(f[0])
			t.lemmas[p][lemma] = true
			synsets, err1 := strconv.Atoi(f[2])
			pointers, err2 := strconv.Atoi(f[3])
			if err1 != nil || err2 != nil || len(f) < 6+pointers+synsets {
				return
			}
			offsets := f[6+pointers : 6+pointers+synsets]
			for i := 0; i < len(offsets) && i < senses; i++ {
				if off, err := strconv.ParseInt(offsets[i], 10, 64); err == nil {
					wanted[off] = append(wanted[off], lemma)
				}
			}
		}); err != nil {
			return nil, err
		}
		// data.pos: offset lex_filenum ss_type w_cnt(hex) word lex_id ... ; only wanted lines.
		if err := eachLineBytes(filepath.Join(dir, "data."+pos), func(raw []byte) {
			if len(raw) < 9 || raw[8] != ' ' {
				return // the licence header; offsets are 8 digits
			}
			var off int64
			for _, c := range raw[:8] {
				if c < '0' || c > '9' {
					return
				}
				off = off*10 + int64(c-'0')
			}
			if wanted[off] == nil {
				return
			}
			f := strings.Fields(string(raw))
			if len(f) < 4 {
				return
			}
			n, err := strconv.ParseInt(f[3], 16, 32)
			if err != nil || len(f) < 4+2*int(n) {
				return
			}
			var words []string
			for i := 0; i < int(n); i++ {
				w := strings.ToLower(f[4+2*i])
				if j := strings.IndexByte(w, '('); j > 0 { // adjective markers: "big(a)"
					w = w[:j]
				}
				if !strings.Contains(w, "_") {
					words = append(words, in(w))
				}
			}
			for _, lemma := range wanted[off] {
				for _, w := range words {
					if w != lemma {
						t.synonyms[lemma] = appendNew(t.synonyms[lemma], w)
					}
				}
			}
		}); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func eachLine(path string, fn func(string)) error {
	return eachLineBytes(path, func(b []byte) { fn(string(b)) })
}

func eachLineBytes(path string, fn func([]byte)) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("wordnet: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		fn(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("wordnet: read %s: %w", path, err)
	}
	return nil
}

// IsNotExist reports whether Load failed because the database is not installed.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// detachment are WordNet's morphy suffix rules per part of speech: an inflected ending and
// what replaces it.
var detachment = [4][][2]string{
	{{"s", ""}, {"ses", "s"}, {"xes", "x"}, {"zes", "z"}, {"ches", "ch"}, {"shes", "sh"}, {"men", "man"}, {"ies", "y"}},
	{{"s", ""}, {"ies", "y"}, {"es", "e"}, {"es", ""}, {"ed", "e"}, {"ed", ""}, {"ing", "e"}, {"ing", ""}},
	{{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}},
	nil,
}

// Bases returns the base forms of a lower-case word, as WordNet's morphy finds them: the word
// itself when WordNet knows it, the forms its exception lists give (went → go, children →
// child), and those the suffix rules give that WordNet knows (asked → ask). Nil for a word
// WordNet does not know in any form.
func (t *Thesaurus) Bases(word string) []string {
	if t == nil {
		return nil
	}
	var out []string
	for p := range posNames {
		if t.lemmas[p][word] {
			out = appendNew(out, word)
		}
	}
	for _, b := range t.exceptions[word] {
		out = appendNew(out, b)
	}
	for p, rules := range detachment {
		for _, r := range rules {
			if strings.HasSuffix(word, r[0]) && len(word) > len(r[0])+1 {
				if b := word[:len(word)-len(r[0])] + r[1]; t.lemmas[p][b] {
					out = appendNew(out, b)
				}
			}
		}
	}
	return out
}

// Synonyms returns the words that share one of the first senses of the base form word.
func (t *Thesaurus) Synonyms(word string) []string {
	if t == nil {
		return nil
	}
	return t.synonyms[word]
}

// Len is the number of words with synonyms.
func (t *Thesaurus) Len() int {
	if t == nil {
		return 0
	}
	return len(t.synonyms)
}
