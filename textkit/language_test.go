package textkit

import (
	"testing"

	"github.com/lorebase/lorebase/internal/xquad"
)

func TestDetectLanguage(t *testing.T) {
	tests := []struct{ text, want string }{
		{"How do I reset my password if I lost access to my email?", "en"},
		{"Wie kann ich mein Passwort zurücksetzen, wenn ich keinen Zugriff auf die E-Mail habe?", "de"},
		{"¿Cómo puedo restablecer mi contraseña si perdí el acceso a mi correo?", "es"},
		{"Comment puis-je réinitialiser mon mot de passe si je n'ai plus accès à mon e-mail ?", "fr"},
		{"Como posso redefinir a minha senha se perdi o acesso ao meu e-mail?", "pt"},
		{"Come posso reimpostare la password se ho perso l'accesso alla mia email?", "it"},
		{"Hoe kan ik mijn wachtwoord opnieuw instellen als ik geen toegang meer heb tot mijn e-mail?", "nl"},
		{"Как сбросить пароль, если у меня нет доступа к почте?", "ru"},
		{"如果我无法访问电子邮件，如何重置密码？", "zh"},
		{"メールにアクセスできない場合、パスワードをリセットするにはどうすればよいですか？", "ja"},
		{"이메일에 접근할 수 없으면 비밀번호를 어떻게 재설정하나요?", "ko"},
		{"¿y cuánto cuesta?", "es"},
		{"", ""},
		{"12345 !!!", ""},
		{"Kubernetes", ""},       // a lone name says nothing
		{"Acme Cloud Pro 2", ""}, // no stop words either
		{"Ελληνικά κείμενα εδώ", ""}, // Greek is not among the languages
	}
	for _, tc := range tests {
		if got := DetectLanguage(tc.text); got != tc.want {
			t.Errorf("DetectLanguage(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// TestDetectLanguageXQuAD checks the paragraphs of the parallel corpus are recognised.
func TestDetectLanguageXQuAD(t *testing.T) {
	for _, lang := range []string{"en", "de", "es", "ru", "zh"} {
		set := xquad.Load(t, lang)
		right := 0
		for _, p := range set.Paragraphs {
			if DetectLanguage(p) == lang {
				right++
			}
		}
		if right < len(set.Paragraphs)*98/100 {
			t.Errorf("%s: %d/%d paragraphs detected", lang, right, len(set.Paragraphs))
		}
	}
}
