package pdf

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"strings"

	lpdf "github.com/ledongthuc/pdf"
)

// This file runs a page's content stream and records one positioned glyph per character code.
//
// It uses ledongthuc's tokenizer (lpdf.Interpret), object model and font decoders, but not
// Page.Content(), for four measured reasons: Content() ignores the Do operator, so text inside
// form XObjects (forms, stamped headers, the evil-xobjects sample) silently disappears; it takes
// every glyph width from one byte, so two-byte CID fonts get width 0 and all their glyphs pile up
// at one x; it ignores Tw word spacing; and it appends a spurious "\n" glyph after every TJ.
//
// Following Do is what makes self-referencing XObjects dangerous: naive recursion never ends
// and a Go stack overflow is a fatal error that recover() cannot catch. Recursion here is
// bounded three ways, which together prove termination: a form already on the current call
// chain is skipped (cycle), nesting deeper than maxFormDepth is skipped, and every page has an
// operator budget (maxOpsPerPage) that stops fan-out bombs (a form drawing another twice,
// twenty levels deep).

const (
	maxFormDepth     = 12
	maxOpsPerPage    = 5_000_000
	maxGlyphsPerPage = 250_000
	// stopCheckEvery is how often (in operators) the interpreter asks whether the caller gave up.
	stopCheckEvery = 4096
)

// glyph is one shown character code in page space (points, y grows upwards).
type glyph struct {
	x, y float64 // origin on the baseline
	w    float64 // advance in page space
	size float64 // font size in page space (vertical scale of the text rendering matrix)
	s    string  // decoded text: usually one rune, sometimes none or a ligature
	run  int     // index of the text-showing operand that produced it
	est  bool    // width estimated: the font carries no metrics
	bold bool
	rot  int // text direction in quarter turns counter-clockwise (0 = normal)
}

// rotated maps a glyph into a frame where its text direction runs left to right, so that the
// same layout rules apply to rotated text.
func (g glyph) rotated() glyph {
	switch g.rot {
	case 1:
		g.x, g.y = g.y, -g.x
	case 2:
		g.x, g.y = -g.x, -g.y
	case 3:
		g.x, g.y = -g.y, g.x
	}
	return g
}

// quarterTurns classifies the direction of the vector (a, b).
func quarterTurns(a, b float64) int {
	deg := math.Atan2(b, a) * 180 / math.Pi
	switch {
	case deg > 45 && deg <= 135:
		return 1
	case deg > 135 || deg <= -135:
		return 2
	case deg > -135 && deg <= -45:
		return 3
	}
	return 0
}

// pageText is what the interpreter found on one page.
type pageText struct {
	glyphs    []glyph
	warnings  []string
	undecoded int // glyphs whose font has no usable Unicode mapping
}

// errBudget and errStopped unwind the interpreter through lpdf.Interpret, which has no other
// way to stop early.
var (
	errBudget  = errors.New("page is too complex (operator or glyph budget exceeded)")
	errStopped = errors.New("extraction abandoned")
)

type matrix [6]float64 // a b c d e f, as in the PDF "cm" operator

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m×n: apply m, then n.
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

type gstate struct {
	ctm, tm, tlm               matrix
	tc, tw, th, tl, tfs, trise float64
	font                       *font
}

type interpreter struct {
	d        *document
	stop     func() bool
	g        gstate
	out      pageText
	ops      int
	runs     int
	fonts    map[string]*font
	active   map[string]bool // form XObjects on the current call chain
	cycles   int
	tooDeep  int
	refused  error // a content stream skipped by guardReader
	fallback *font
}

// interpretPage returns the glyphs of page. A panic or budget stop keeps the glyphs found so
// far and reports the cause as err, so a damaged page still yields its readable part.
func (d *document) interpretPage(page lpdf.Value) (pt pageText, err error) {
	in := &interpreter{
		d:        d,
		stop:     d.stop,
		g:        gstate{ctm: identity, tm: identity, tlm: identity, th: 1},
		fonts:    map[string]*font{},
		active:   map[string]bool{},
		fallback: &font{est: true, guess: 500}, // text shown before any Tf
	}
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(error); ok && (errors.Is(e, errBudget) || errors.Is(e, errStopped) || errors.Is(e, ErrTooComplex)) {
				err = e
			} else {
				err = fmt.Errorf("%w: %v", ErrCorrupt, p)
			}
		}
		if err == nil && in.refused != nil {
			err = fmt.Errorf("%w: %w", ErrCorrupt, in.refused)
		}
		pt = in.out
		if in.cycles > 0 {
			pt.warnings = append(pt.warnings, fmt.Sprintf("skipped %d self-referencing form XObject(s)", in.cycles))
		}
		if in.tooDeep > 0 {
			pt.warnings = append(pt.warnings, fmt.Sprintf("skipped %d form XObject(s) nested deeper than %d", in.tooDeep, maxFormDepth))
		}
	}()
	contents := page.Key("Contents")
	if contents.IsNull() {
		return in.out, nil
	}
	in.run(contents, inherited(page, "Resources"), "page", 0)
	return in.out, nil
}

// inherited looks key up on the page and its ancestors. The walk is bounded because a Parent
// cycle would otherwise loop forever (lpdf's own Page.Resources has no bound).
func inherited(page lpdf.Value, key string) lpdf.Value {
	v := page
	for i := 0; i < 32 && !v.IsNull(); i++ {
		if r := v.Key(key); !r.IsNull() {
			return r
		}
		v = v.Key("Parent")
	}
	return lpdf.Value{}
}

// streamKey identifies a stream object. lpdf exposes no object numbers, but a stream's String()
// ends in "@<file offset of its data>", which is unique per stream object in the file.
func streamKey(v lpdf.Value) string {
	s := v.String()
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		return s[i:]
	}
	return s
}

func (in *interpreter) run(content, resources lpdf.Value, scope string, depth int) {
	// Page contents are kept decoded only when another page draws them too; forms are
	// kept always (a letterhead or logo is drawn on every page).
	cache := depth > 0 || in.d.sharedContent(content)
	decoded, err := in.d.stream(content, cache)
	switch {
	case errors.Is(err, errStopped), errors.Is(err, ErrTooComplex):
		panic(err)
	case errors.Is(err, errStreamTooLarge):
		in.refused = err // the rest of the page is still read; the page reports the error
		return
	case err != nil:
		// Damaged part-way: the readable prefix is interpreted, the page reports the damage.
		in.refused = cmp.Or(in.refused, err)
	}
	if decoded.Kind() != lpdf.Stream {
		return
	}
	var saved []gstate
	lpdf.Interpret(decoded, func(stk *lpdf.Stack, op string) {
		in.ops++
		if in.ops > maxOpsPerPage {
			panic(errBudget)
		}
		in.d.countOp()
		if in.ops%stopCheckEvery == 0 && in.stop() {
			panic(errStopped)
		}
		args := make([]lpdf.Value, stk.Len())
		for i := len(args) - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		g := &in.g
		switch op {
		case "q":
			if len(saved) < 1024 {
				saved = append(saved, in.g)
			}
		case "Q":
			if n := len(saved); n > 0 {
				in.g = saved[n-1]
				saved = saved[:n-1]
			}
		case "cm":
			if m, ok := matrixArgs(args); ok {
				g.ctm = m.mul(g.ctm)
			}
		case "BT":
			g.tm, g.tlm = identity, identity
		case "Tc":
			g.tc = num(args, 0)
		case "Tw":
			g.tw = num(args, 0)
		case "Tz":
			g.th = num(args, 0) / 100
		case "TL":
			g.tl = num(args, 0)
		case "Ts":
			g.trise = num(args, 0)
		case "Tf":
			if len(args) == 2 {
				g.font = in.font(resources, scope, args[0].Name())
				g.tfs = args[1].Float64()
			}
		case "Td":
			in.moveLine(num(args, 0), num(args, 1))
		case "TD":
			g.tl = -num(args, 1)
			in.moveLine(num(args, 0), num(args, 1))
		case "Tm":
			if m, ok := matrixArgs(args); ok {
				g.tm, g.tlm = m, m
			}
		case "T*":
			in.moveLine(0, -g.tl)
		case "'":
			in.moveLine(0, -g.tl)
			in.show(last(args))
		case "\"":
			if len(args) == 3 {
				g.tw, g.tc = args[0].Float64(), args[1].Float64()
			}
			in.moveLine(0, -g.tl)
			in.show(last(args))
		case "Tj":
			in.show(last(args))
		case "TJ":
			arr := last(args)
			for i := 0; i < arr.Len(); i++ {
				x := arr.Index(i)
				if x.Kind() == lpdf.String {
					in.show(x)
					continue
				}
				// A number moves the next glyph left by n/1000 em; large negative numbers are
				// how many producers write word spaces, so the position must be honoured.
				tx := -x.Float64() / 1000 * g.tfs * g.th
				g.tm = matrix{1, 0, 0, 1, tx, 0}.mul(g.tm)
			}
		case "Do":
			in.do(resources, last(args).Name(), depth)
		}
	})
}

func (in *interpreter) moveLine(tx, ty float64) {
	in.g.tlm = matrix{1, 0, 0, 1, tx, ty}.mul(in.g.tlm)
	in.g.tm = in.g.tlm
}

func (in *interpreter) do(resources lpdf.Value, name string, depth int) {
	x := resources.Key("XObject").Key(name)
	if x.Kind() != lpdf.Stream || x.Key("Subtype").Name() != "Form" {
		return // images carry no text layer
	}
	key := streamKey(x)
	if in.active[key] {
		in.cycles++
		return
	}
	if depth+1 > maxFormDepth {
		in.tooDeep++
		return
	}
	saved := in.g
	if m, ok := matrixArgs(arrayValues(x.Key("Matrix"))); ok {
		in.g.ctm = m.mul(in.g.ctm)
	}
	res := x.Key("Resources")
	scope := key
	if res.IsNull() {
		// Old files omit form resources and rely on the page's.
		res, scope = resources, "page"
	}
	in.active[key] = true
	in.run(x, res, scope, depth+1)
	delete(in.active, key)
	in.g = saved
}

func (in *interpreter) font(resources lpdf.Value, scope, name string) *font {
	key := scope + "/" + name
	if f, ok := in.fonts[key]; ok {
		return f
	}
	f := in.d.font(resources.Key("Font").Key(name))
	in.fonts[key] = f
	return f
}

// show records the glyphs of one string operand.
func (in *interpreter) show(v lpdf.Value) {
	if v.Kind() != lpdf.String {
		return
	}
	g := &in.g
	f := g.font
	if f == nil {
		f = in.fallback
	}
	in.runs++
	raw := v.RawString()
	step := 1
	if f.twoByte {
		step = 2
	}
	for i := 0; i+step <= len(raw); i += step {
		code := raw[i : i+step]
		text, ok := f.decode(code)
		if !ok {
			in.out.undecoded++
		}
		w0, known := f.width(code)
		trm := matrix{g.tfs * g.th, 0, 0, g.tfs, 0, g.trise}.mul(g.tm).mul(g.ctm)
		adv := w0 / 1000 * g.tfs
		adv += g.tc
		if step == 1 && code == " " {
			adv += g.tw // word spacing applies to single-byte code 32 only
		}
		adv *= g.th
		m := g.tm.mul(g.ctm)
		if text != "" {
			if len(in.out.glyphs) >= maxGlyphsPerPage {
				panic(errBudget)
			}
			in.out.glyphs = append(in.out.glyphs, glyph{
				x: trm[4], y: trm[5],
				// The box excludes Tc/Tw: that spacing is gap, and for fonts whose widths are
				// guessed the guess then cancels out between glyphs of one string.
				w:    math.Hypot(w0/1000*g.tfs*g.th*m[0], w0/1000*g.tfs*g.th*m[1]),
				size: math.Hypot(trm[2], trm[3]),
				s:    text,
				run:  in.runs,
				est:  !known,
				bold: f.bold,
				rot:  quarterTurns(trm[0], trm[1]),
			})
		}
		g.tm = matrix{1, 0, 0, 1, adv, 0}.mul(g.tm)
	}
}

func num(args []lpdf.Value, i int) float64 {
	if i < len(args) {
		return args[i].Float64()
	}
	return 0
}

func last(args []lpdf.Value) lpdf.Value {
	if len(args) == 0 {
		return lpdf.Value{}
	}
	return args[len(args)-1]
}

func arrayValues(v lpdf.Value) []lpdf.Value {
	if v.Kind() != lpdf.Array {
		return nil
	}
	out := make([]lpdf.Value, 0, v.Len())
	for i := 0; i < v.Len() && i < 16; i++ {
		out = append(out, v.Index(i))
	}
	return out
}

func matrixArgs(args []lpdf.Value) (matrix, bool) {
	if len(args) != 6 {
		return identity, false
	}
	var m matrix
	for i := range m {
		m[i] = args[i].Float64()
		if math.IsNaN(m[i]) || math.IsInf(m[i], 0) {
			return identity, false
		}
	}
	return m, true
}
