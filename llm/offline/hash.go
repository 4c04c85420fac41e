package offline

// A 64-bit FNV-1a hash, written out so features can be hashed piecewise without building
// strings, followed by the SplitMix64 finaliser because FNV's low bits alone mix poorly and the
// embedder takes both the bucket and the sign from them. Changing anything here changes every
// vector: bump ModelName.

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Feature kinds seed the hash so that the word "ing" and the n-gram "ing" do not collide.
const (
	kindWord byte = iota + 1
	kindBigram
	kindNgram
	kindCJK1
	kindCJK2
)

func hashStart(kind byte) uint64 {
	return (fnvOffset ^ uint64(kind)) * fnvPrime
}

func hashAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashAddByte(h uint64, c byte) uint64 {
	return (h ^ uint64(c)) * fnvPrime
}

func hashFinish(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}
