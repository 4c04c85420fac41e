package textkit

import "strings"

// languages are the languages lorebase names in prompts and accepts by name, with the names
// clients send instead of codes (lower case, in English and in the language itself).
var languages = []struct {
	code, name string
	aliases    []string
}{
	{"en", "English", nil},
	{"pt", "Portuguese", []string{"português", "portugues"}},
	{"es", "Spanish", []string{"español"}},
	{"de", "German", []string{"deutsch"}},
	{"fr", "French", []string{"français"}},
	{"it", "Italian", nil},
	{"nl", "Dutch", nil},
	{"ru", "Russian", nil},
	{"zh", "Chinese", nil},
	{"ja", "Japanese", nil},
	{"ko", "Korean", nil},
}

var nameByCode, codeByName = func() (map[string]string, map[string]string) {
	names, codes := map[string]string{}, map[string]string{}
	for _, l := range languages {
		names[l.code] = l.name
		codes[strings.ToLower(l.name)] = l.code
		for _, a := range l.aliases {
			codes[a] = l.code
		}
	}
	return names, codes
}()

// BaseLanguage returns the lower-case primary subtag of a locale: "pt-BR" and "pt_br" → "pt".
func BaseLanguage(code string) string {
	return strings.ToLower(strings.SplitN(strings.SplitN(code, "-", 2)[0], "_", 2)[0])
}

// LanguageName returns the English name of a language code or locale ("pt-BR" → "Portuguese"),
// or "" when the language is not one lorebase names.
func LanguageName(code string) string {
	return nameByCode[BaseLanguage(code)]
}

// LanguageCode returns the ISO 639-1 code of a language name ("Portuguese", "español"),
// case-insensitively, and whether the name is known.
func LanguageCode(name string) (string, bool) {
	code, ok := codeByName[strings.ToLower(name)]
	return code, ok
}
