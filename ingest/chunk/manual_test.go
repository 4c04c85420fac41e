package chunk

import (
	"fmt"
	"strings"

	"github.com/lorebase/lorebase/ingest"
)

// manual generates a manual-like document: chapters and sections with prose, procedures,
// option tables and code, about one page per section, deterministic for a given page count.
func manual(pages int) *ingest.Document {
	doc := &ingest.Document{Title: "Operator Manual", Pages: pages}
	for p := 1; p <= pages; p++ {
		if p%10 == 1 {
			doc.Blocks = append(doc.Blocks, ingest.Block{Kind: ingest.BlockHeading, Level: 1, Text: fmt.Sprintf("Chapter %d", p/10+1), Page: p})
		}
		doc.Blocks = append(doc.Blocks,
			ingest.Block{Kind: ingest.BlockHeading, Level: 2, Text: fmt.Sprintf("%d.%d Configuring subsystem %d", p/10+1, p%10, p), Page: p},
			ingest.Block{Kind: ingest.BlockParagraph, Page: p, Text: prose(p, 9)},
			ingest.Block{Kind: ingest.BlockList, Page: p, Text: fmt.Sprintf("1. Stop service svc-%d.\n2. Edit /etc/svc/%d.conf and set retention to %d days.\n3. Start the service and check the log for errors.", p, p, p%30+1)},
			ingest.Block{Kind: ingest.BlockParagraph, Page: p, Text: prose(p+1, 7)},
			ingest.Block{Kind: ingest.BlockTable, Page: p, Text: table(p)},
			ingest.Block{Kind: ingest.BlockCode, Page: p, Text: fmt.Sprintf("svcctl set --unit %d --retention %dd\nsvcctl restart --unit %d\nsvcctl status --unit %d", p, p%30+1, p, p)},
			ingest.Block{Kind: ingest.BlockParagraph, Page: p, Text: prose(p+2, 6)},
		)
	}
	return doc
}

func prose(seed, n int) string {
	parts := []string{
		"The replication agent copies committed pages to the standby within %d seconds.",
		"If the standby falls behind by more than %d megabytes, the primary throttles writes.",
		"Operators should review the audit log weekly; entries older than %d days are archived.",
		"Dr. Chen's benchmark (see Fig. %d) shows throughput scales linearly up to eight nodes.",
		"A failed health check marks the node unavailable and the load balancer drains it in %d s.",
		"Backups are encrypted with AES-256 and rotated every %d hours by default.",
		"Note that changes to the quorum size require a rolling restart of all %d members.",
	}
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, parts[(seed+i)%len(parts)], (seed*7+i*3)%97+2)
	}
	return b.String()
}

func table(seed int) string {
	rows := []string{"Option | Default | Description"}
	for i := range 8 {
		rows = append(rows, fmt.Sprintf("opt_%d_%d | %d | Controls the %d-th queue depth for subsystem %d", seed, i, i*seed%100, i, seed))
	}
	return strings.Join(rows, "\n")
}
