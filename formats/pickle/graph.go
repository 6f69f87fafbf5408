package pickle

import (
	"math/bits"

	"github.com/modelvet/modelvet/internal/limits"
)

// objectGraph records the objects a pickle builds (containers, and the
// results of calls) and which objects each one holds, so that the size of
// the loaded value as a traversal visits it can be computed without
// building anything. Shared references count once per path, as a copy, a
// comparison or a hash of the value visits them: a few hundred bytes of
// memo fetches can make a value of 10^30 objects (a "billion laughs").
//
// The graph is bounded (limits.MaxPickleGraphNodes, MaxPickleGraphEdges).
// Past the bounds, objects carry only the size they had when they were
// built or last changed on the stack (pval.size), which still sees a bomb
// built from the bottom up.
type objectGraph struct {
	nodes  []graphNode
	edges  int
	capped bool

	// The largest size seen on the stack, and where that object was built.
	eager   uint64
	eagerAt int64
}

type graphNode struct {
	off    int64   // opcode that built it
	leaves uint64  // values held that are not objects of the graph, by size
	kids   []int32 // objects of the graph held, 1-based
}

// satAdd adds without overflowing, saturating at MaxPickleExpansionCount.
func satAdd(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 || s > limits.MaxPickleExpansionCount {
		return limits.MaxPickleExpansionCount
	}
	return s
}

// sizeOf is a value's expanded size: 1 for a leaf.
func sizeOf(v pval) uint64 { return max(v.size, 1) }

// add records an object built at off holding kids and returns it as a
// value.
func (g *objectGraph) add(off int64, kids []pval) pval {
	v := pval{size: 1}
	if !g.capped && len(g.nodes) >= limits.MaxPickleGraphNodes {
		g.capped = true
	}
	if !g.capped {
		g.nodes = append(g.nodes, graphNode{off: off})
		v.node = int32(len(g.nodes))
	}
	g.link(&v, off, kids...)
	return v
}

// link records that parent (built, or changed, at off) now holds kids.
func (g *objectGraph) link(parent *pval, off int64, kids ...pval) {
	if parent.size == 0 {
		return // not a container or an object: nothing holds the kids
	}
	for _, k := range kids {
		parent.size = satAdd(parent.size, sizeOf(k))
	}
	if parent.size > g.eager {
		g.eager, g.eagerAt = parent.size, off
	}
	if parent.node == 0 || g.capped {
		return
	}
	n := &g.nodes[parent.node-1]
	for _, k := range kids {
		if k.node == 0 {
			n.leaves = satAdd(n.leaves, sizeOf(k))
			continue
		}
		if g.edges >= limits.MaxPickleGraphEdges {
			g.capped = true
			return
		}
		g.edges++
		n.kids = append(n.kids, k.node)
	}
}

// largest returns the largest expanded size of any object and the offset
// of the opcode that built it. Sizes are computed over the graph with an
// iterative depth-first walk (objects can hold themselves; a cycle adds
// nothing), and compared with the sizes seen on the stack.
func (g *objectGraph) largest() (uint64, int64) {
	best, at := g.eager, g.eagerAt
	if g.capped || len(g.nodes) == 0 {
		return best, at
	}
	size := make([]uint64, len(g.nodes))
	state := make([]uint8, len(g.nodes)) // 0 unseen, 1 open, 2 done
	type frame struct {
		n    int32
		next int
	}
	var stack []frame
	for root := range g.nodes {
		if state[root] != 0 {
			continue
		}
		state[root] = 1
		stack = append(stack[:0], frame{n: int32(root)})
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			nd := &g.nodes[f.n]
			if f.next < len(nd.kids) {
				k := nd.kids[f.next] - 1
				f.next++
				if state[k] == 0 {
					state[k] = 1
					stack = append(stack, frame{n: k})
				}
				continue
			}
			s := satAdd(1, nd.leaves)
			for _, k := range nd.kids {
				if state[k-1] == 2 {
					s = satAdd(s, size[k-1])
				}
			}
			size[f.n], state[f.n] = s, 2
			if s > best {
				best, at = s, nd.off
			}
			stack = stack[:len(stack)-1]
		}
	}
	return best, at
}
