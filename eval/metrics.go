package eval

import (
	"math"
	"slices"
	"time"

	"github.com/lorebase/lorebase/eval/answermetric"
)

// The answer metrics live in eval/answermetric, which the offline answerer's quality tests
// share; these names keep the package's API.
var (
	NormalizeAnswer = answermetric.Normalize
	ExactMatch      = answermetric.ExactMatch
	F1              = answermetric.F1
	Contains        = answermetric.Contains
)

// Percentile is the nearest-rank percentile (p in 0..100) of the durations, 0 when empty.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}
