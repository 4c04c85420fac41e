package eval

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/lorebase/lorebase/ingest/pdf/pdftest"
)

// update rewrites generated test data (the policy PDF) and the recorded floors.
var update = flag.Bool("update", false, "rewrite testdata/eval/kb/knowledge/policy/warranty-and-returns.pdf and testdata/eval/floors.json")

const policyPDF = "../testdata/eval/kb/knowledge/policy/warranty-and-returns.pdf"

// policyPages are the text of the policy PDF of the kb question set.
var policyPages = []pdftest.Page{
	{Heading: "Aurora Warranty and Returns Policy", Lines: []string{
		"This policy applies to Aurora air purifiers bought from Aurora or an authorised reseller",
		"in the European Union or the United Kingdom. Version 4, valid from 1 March 2025.",
		"",
		"1. Warranty period",
		"Every Aurora purifier comes with a two-year warranty from the date of delivery. If you",
		"register the purifier in the Aurora Home app or on our website within 30 days of",
		"delivery, the warranty is extended to three years at no cost.",
		"",
		"2. What the warranty covers",
		"The warranty covers defects in materials and workmanship, including the fan motor, the",
		"electronics, the sensors and the power adapter. We repair or replace the defective part,",
		"or the whole purifier, free of charge.",
		"",
		"3. What the warranty does not cover",
		"Filters are consumables and are not covered by the warranty. Damage caused by",
		"third-party filters, by dropping the purifier, by water, by use outdoors or by repairs",
		"made by anyone other than an Aurora service partner is not covered either.",
	}},
	{Heading: "Returns and Refunds", Lines: []string{
		"4. Right of return",
		"You may return a purifier bought directly from Aurora within 30 days of delivery for",
		"any reason. The purifier must be complete and in its original packaging. Purchases from",
		"resellers are returned to the reseller under its own terms.",
		"",
		"5. How to return",
		"Start the return in your Aurora account under Orders. We email you a prepaid return",
		"label; return shipping is free within the European Union and the United Kingdom.",
		"",
		"6. Refunds",
		"We refund the purchase price to the original payment method within 14 days of",
		"receiving the returned purifier. Opened filters cannot be returned for hygiene reasons.",
	}},
	{Heading: "Repairs and Service", Lines: []string{
		"7. Warranty claims",
		"To make a warranty claim, open a case on support.aurora-home.example with the serial",
		"number, which is printed on the label under the base, and a short description of the",
		"fault. Keep your proof of purchase.",
		"",
		"8. Repair time",
		"We collect the purifier from your address at no cost. Repairs are completed within",
		"10 working days of receipt. If a repair is not possible, you receive a new purifier.",
		"",
		"9. Repairs after the warranty",
		"After the warranty has ended, we repair purifiers for a flat fee of 49 euros plus parts.",
		"Spare parts are available for at least seven years after the model is discontinued.",
	}},
}

// TestPolicyPDF keeps the generated policy PDF in step with policyPages: run
// `go test ./eval -run TestPolicyPDF -update` after changing them.
func TestPolicyPDF(t *testing.T) {
	want := pdftest.Build("Aurora Warranty and Returns Policy", policyPages)
	if *update {
		if err := os.MkdirAll(filepath.Dir(policyPDF), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(policyPDF, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(policyPDF)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date: run go test ./eval -run TestPolicyPDF -update", policyPDF)
	}
}
