package answer

import (
	"fmt"
	"strings"

	"github.com/lorebase/lorebase/textkit"
)

// abstainTexts say, per language, that the knowledge base does not cover the question. %s is
// what the assistant can do instead (its tasks), or empty.
var abstainTexts = map[string]struct{ none, offer string }{
	"en": {"I'm sorry, but our knowledge base doesn't cover that yet, so I can't answer it reliably.", " I can help you with: %s."},
	"pt": {"Desculpe, mas a nossa base de conhecimento ainda não cobre esse assunto, por isso não consigo responder com segurança.", " Posso ajudar com: %s."},
	"es": {"Lo siento, pero nuestra base de conocimiento todavía no cubre ese tema, así que no puedo responder con seguridad.", " Puedo ayudarte con: %s."},
	"de": {"Es tut mir leid, aber unsere Wissensdatenbank deckt das noch nicht ab, daher kann ich es nicht zuverlässig beantworten.", " Ich kann Ihnen helfen bei: %s."},
	"fr": {"Désolé, notre base de connaissances ne couvre pas encore ce sujet, je ne peux donc pas répondre de façon fiable.", " Je peux vous aider pour : %s."},
	"it": {"Mi dispiace, ma la nostra base di conoscenza non copre ancora questo argomento, quindi non posso rispondere con certezza.", " Posso aiutarti con: %s."},
	"nl": {"Sorry, onze kennisbank behandelt dat nog niet, dus ik kan het niet betrouwbaar beantwoorden.", " Ik kan je helpen met: %s."},
	"ru": {"Извините, в нашей базе знаний пока нет информации об этом, поэтому я не могу надёжно ответить.", " Я могу помочь с: %s."},
	"zh": {"抱歉，我们的知识库目前还没有涵盖这个问题，所以我无法可靠地回答。", " 我可以帮助您：%s。"},
	"ja": {"申し訳ありませんが、ナレッジベースにはまだその情報がないため、確実にお答えできません。", " 次のことでお手伝いできます：%s。"},
}

// abstainMessage is the honest "not covered" reply in the conversation's language.
func abstainMessage(lang string, tasks []string) string {
	t, ok := abstainTexts[textkit.BaseLanguage(lang)]
	if !ok {
		t = abstainTexts["en"]
	}
	msg := t.none
	if len(tasks) > 0 {
		msg += fmt.Sprintf(t.offer, strings.Join(tasks, ", "))
	}
	return msg
}
