package testmodel

import "encoding/hex"

// bz2Fixtures holds bzip2 streams of fixture data, keyed by the SHA-256 of
// the data (see bzip2Bytes); each was compressed once with a bzip2
// encoder, and the tests check that it decompresses to the data.
var bz2Fixtures = map[string][]byte{
	// Joblib("bz2", JoblibBZ2Arrays, a call of posix.system("id")).
	"ba431be4f9d78f261d842b26e95cc8af5770e4e76ec3b2a8809347211ac95dc1": mustHex("425a6839314159265359e9c058e80000677fe0ffd06c080061004428191080bfffdee262e40c000000b000bb34450133499180d46132646004f49ea63534d06a35324f50f4069034341a0341a069b50c8353d5329a3468068193464640007a988f4d45143467602410e5090112151160ed6a1aeaf7bf49d96c4492b50921fcc78d5b49744d4b6a476a90049e4f5baf2316bad4410d55c5ad0e3a4b3cf35dc894a49ce3506c3ec3afc51b0c1fa2b2a7bb0360263cf9660f2510181db29b1cb524426521158848075a099a40c8c5e1688018e738d903c1c056544122faed9b5fb7309d88a1efeafec91b2353a14c29e02025b05b34c77e23ed72c30168d9fc5dc914e14243a70163a0"),
}

// JoblibBZ2Arrays and JoblibBZ2Extra are the arrays and the hostile entry
// of the one bz2 joblib fixture.
var JoblibBZ2Arrays = []JoblibArray{{Name: "coef_", DType: "f8", Shape: []int64{1, 3}}}

// JoblibBZ2Extra writes the hostile entry of the bz2 fixture.
func JoblibBZ2Extra(p *Pickler) { p.Call("posix", "system", "id") }

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
