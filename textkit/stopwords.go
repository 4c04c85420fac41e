package textkit

import "strings"

// Built-in stop words: the most frequent function words and question words of each language.
// They are small on purpose: they down-weight noise for the embedder, drop question words from
// the answerer's query terms, and give DetectLanguage its evidence. Stored folded (no accents).
var stopWordLists = map[string]string{
	"en": `a an the and or but if of to in on at by for with from as into onto over under about
		up down out off is are was were be been being am do does did doing have has had having it its
		this that these those there here i you he she we they me him her us them my your his our their
		mine yours what which who whom whose when where why how not no yes can could will would shall
		should may might must so than then too very just also more most some any all each both few
		other such only own same s t now much many please tell`,
	"de": `der die das den dem des ein eine einer eines einem einen und oder aber wenn als wie ist
		sind war waren wird werden wurde wurden sein hat haben hatte hatten nicht kein keine keinen auch
		noch nur schon sehr mit von zu zum zur im in an am auf aus bei für über unter nach vor durch um
		ich du er sie es wir ihr mich mir dich dir sich seine seiner seinen ihre ihren ihrer dass daß
		was wer wen wem wo wann warum welche welcher welches welchen viel viele diese dieser dieses
		diesen ob man so da dann denn doch bis gegen ohne`,
	"es": `el la los las un una unos unas y o u pero si de del al a en con por para sin sobre entre
		es son fue fueron era eran ser estar está están ha han había hay que qué quien quién quienes
		cuando cuándo donde dónde como cómo cual cuál cuáles cuanto cuánto cuánta cuántos cuántas
		porque se su sus lo le les me te nos mi tu yo él ella ellos ellas este esta estos estas ese
		esa esos esas eso esto no sí más muy también ya`,
	"fr": `le la les un une des du de d l et ou mais si à au aux en dans par pour sur avec sans sous
		est sont était étaient ont a été être avoir que qu qui quoi quand où comment pourquoi quel
		quelle quels quelles ce cet cette ces c il elle ils elles je j tu nous vous on se s sa son ses
		leur leurs ne n pas plus très aussi y combien`,
	"pt": `o a os as um uma uns umas e ou mas se de do da dos das no na nos nas em por para com sem
		sobre é são foi foram era eram ser estar está estão tem têm que quem quando onde como qual
		quais quanto quanta quantos porque ele ela eles elas eu você seu sua seus suas isso isto este
		esta esse essa não sim mais muito também já há ao à pelo pela`,
	"it": `il lo la i gli le un uno una e ed o ma se di del dello della dei degli delle da dal dalla
		in nel nello nella con per su sul sulla tra fra è sono era erano essere avere ha hanno che chi
		cosa quando dove come perché quale quali quanto quanta questo questa quello quella non sì più
		molto anche già ci si suo sua loro io tu lui lei noi voi al allo alla ai agli alle`,
	"nl": `de het een en of maar als van in op aan met voor door bij uit naar over onder tot is zijn
		was waren wordt worden werd werden heeft hebben had niet geen ook nog wel dat die dit deze wat
		wie waar wanneer waarom hoe welke ik jij je hij zij ze wij we u mijn haar hun er om te zo dan
		hoeveel`,
	"ru": `и в во не что он на я с со как а то все всё она так его но да ты к у же вы за бы по только
		ее её мне было вот от меня еще ещё нет о об из ему когда даже ли если уже или ни быть был была
		были было него до вас там себя ей может они тут где есть ней для мы тебя их чем сам чтобы без
		чего тоже себе под будет тогда кто этот того потому этого какой какая какие каких здесь этом
		мой тем это эта эти сколько который которая которое которые которых году при`,
}

// stopWordSets maps each language to its folded stop-word set; allStopWords is their union, used
// when the language of a text is unknown; stopLangs maps a stop word to the bit set of its
// languages (bit i for latinLanguages[i]), so detection costs one lookup per word.
var stopWordSets, allStopWords, stopLangs = func() (map[string]map[string]bool, map[string]bool, map[string]uint8) {
	per := make(map[string]map[string]bool, len(stopWordLists))
	all := make(map[string]bool)
	langs := make(map[string]uint8)
	for lang, list := range stopWordLists {
		set := make(map[string]bool)
		for _, w := range strings.Fields(list) {
			w = Fold(Normalize(w))
			set[w] = true
			all[w] = true
			for i, l := range latinLanguages {
				if l == lang {
					langs[w] |= 1 << i
				}
			}
		}
		per[lang] = set
	}
	return per, all, langs
}()

// StopWords returns the folded stop words of lang, or of all languages when lang is unknown.
// The map is shared: callers must not modify it.
func StopWords(lang string) map[string]bool {
	if s, ok := stopWordSets[lang]; ok {
		return s
	}
	return allStopWords
}
