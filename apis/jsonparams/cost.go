package jsonparams

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"math/big"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// MaxEvaluationCost bounds the work of checking one document against a schema, in the
// units evaluationCost counts: one per (subschema, place in the document) the schema library
// evaluates, plus its enum values, required names and the length of strings it matches. The
// library evaluates every branch of allOf, anyOf, oneOf and if/then/else and follows every
// $ref anew, without memory: 22 levels of "anyOf of two $refs to the next level" (1.7 KB) made
// it evaluate 8 million subschemas, 36 s of CPU per check, doubling with each level, in the
// API server's request goroutine, which the request timeout answers for but does not stop.
// A Helm-like schema against 256 KiB of values costs ~64,000 (BenchmarkTypicalValues); the
// worst documents within the bound took the library 0.07–0.2 s and up to 68 MB of garbage
// (BenchmarkWorstCaseWithinBudget).
const MaxEvaluationCost = 200_000

// maxEvaluationDepth bounds how deep the library's evaluation recurses (schemas applied in
// place plus places in the document): the count below recurses as deep.
const maxEvaluationDepth = 1_000

// costly is why a check was refused before the library ran; its text completes "checking
// ... against the schema".
type costly struct{ reason string }

func (c *costly) Error() string { return c.reason }

var (
	errTooCostly = &costly{fmt.Sprintf("would take more than %d steps: the schema's allOf, anyOf, oneOf, if/then/else and references multiply what is evaluated", MaxEvaluationCost)}
	errTooDeep   = &costly{fmt.Sprintf("would nest more than %d evaluations deep", maxEvaluationDepth)}
	errCycle     = &costly{"would apply a subschema to the same place again through its own references (a reference cycle)"}
	errDynamic   = &costly{"would resolve a $dynamicRef to a $dynamicAnchor or a $recursiveRef to a $recursiveAnchor along the evaluation, or apply a contentSchema, which parameter schemas do not support"}
)

// evaluationCost counts an upper bound of the library's work to check doc against s (see
// MaxEvaluationCost), stopping with an error as soon as it passes budget. It walks what the
// library's validator walks: every subschema applied in place (the references, the boolean
// combinations, the conditionals, the dependent schemas of the properties present) and every
// subschema applied to a property or an item, counting each branch as evaluated. What the
// library would evaluate more than once is counted once and added again from memory, so the
// count costs at most budget steps whatever it finds.
func evaluationCost(s *jsonschema.Schema, doc any, budget int) (int, error) {
	c := &counter{left: budget, memo: map[memoKey]int{}}
	if err := c.count(s, c.node(doc, 0), 0); err != nil {
		return budget - c.left, err
	}
	return budget - c.left, nil
}

// placeCost checks that no subschema reachable from root costs more than budget where it
// applies, whatever the document: each is counted at a scalar place, so what it applies in
// place (its references, combinations and conditionals) is counted and what it applies to
// properties and items is not. A schema that fails this costs that much on every document
// that reaches the subschema.
func placeCost(root *jsonschema.Schema, budget int) error {
	memo := map[memoKey]int{}
	scalar := &node{size: 1}
	for _, s := range reachable(root) {
		c := &counter{left: budget, memo: memo}
		if err := c.count(s, scalar, 0); err != nil {
			return err
		}
	}
	return nil
}

// memoKey is a subschema applied at one place of the document.
type memoKey struct {
	s  *jsonschema.Schema
	at *node
}

// node is a place of the document, with what the count needs of its value.
type node struct {
	kind nodeKind
	// names and children are an object's property names and values, in the same order, or
	// an array's items (children only).
	names    []string
	children []*node
	// nameNodes are an object's property names as string places, made when a propertyNames
	// schema needs them.
	nameNodes []*node
	str       string
	// size is how many places the value has, itself included: what comparing it or hashing
	// it costs.
	size int
	// nameBytes is the length of an object's property names, all together.
	nameBytes int
	// depth is how many places enclose this one: the library copies that many tokens into
	// every error it makes here (its instance location), and leafErrors walks them.
	depth int
	// items is an array's value, for uniqueItems (see duplicatesCost).
	items []any
}

type nodeKind uint8

const (
	otherNode nodeKind = iota
	stringNode
	objectNode
	arrayNode
)

type counter struct {
	left int
	// memo holds each (subschema, place)'s count once done, onStack while it is under way.
	memo map[memoKey]int
	// insts memoizes the size of each pattern's program, by pattern.
	insts map[string]int
	// own memoizes each schema's weight that does not depend on the place (schemaWeight).
	own map[*jsonschema.Schema]int
	// dups memoizes duplicatesCost by array.
	dups map[*node]int
	// arena is where places are allocated, a chunk at a time.
	arena []node
}

func (c *counter) alloc(n node) *node {
	if len(c.arena) == cap(c.arena) {
		c.arena = make([]node, 0, 256)
	}
	c.arena = append(c.arena, n)
	return &c.arena[len(c.arena)-1]
}

func (c *counter) node(v any, depth int) *node {
	switch v := v.(type) {
	case map[string]any:
		n := c.alloc(node{kind: objectNode, names: make([]string, 0, len(v)), children: make([]*node, 0, len(v)), size: 1, depth: depth})
		for k, pv := range v {
			p := c.node(pv, depth+1)
			n.names = append(n.names, k)
			n.children = append(n.children, p)
			n.size += p.size
			n.nameBytes += len(k)
		}
		return n
	case []any:
		n := c.alloc(node{kind: arrayNode, children: make([]*node, len(v)), size: 1, depth: depth, items: v})
		for i, iv := range v {
			n.children[i] = c.node(iv, depth+1)
			n.size += n.children[i].size
		}
		return n
	case string:
		return c.alloc(node{kind: stringNode, str: v, size: 1, depth: depth})
	}
	return c.alloc(node{size: 1, depth: depth})
}

// nameNode is the i-th property name of the object n as a place.
func (c *counter) nameNode(n *node, i int) *node {
	if n.nameNodes == nil {
		n.nameNodes = make([]*node, len(n.names))
		for j, name := range n.names {
			n.nameNodes[j] = c.alloc(node{kind: stringNode, str: name, size: 1, depth: n.depth + 1})
		}
	}
	return n.nameNodes[i]
}

func (c *counter) spend(n int) error {
	c.left -= n
	if c.left < 0 {
		return errTooCostly
	}
	return nil
}

// count adds the cost of applying s at n.
func (c *counter) count(s *jsonschema.Schema, n *node, depth int) error {
	if s == nil {
		return nil
	}
	if s.Bool != nil {
		// Applied in place, true or false still has the library copy the unevaluated
		// properties or items (see weight); "{}" compiles to true.
		return c.spend(1 + len(n.children) + n.depth/locationTokensPerUnit)
	}
	if depth > maxEvaluationDepth {
		return errTooDeep
	}
	if n.kind != objectNode && n.kind != arrayNode && !appliesInPlace(s) {
		// Nothing below: counted as cheaply as it would be remembered.
		return c.spend(c.weight(s, n))
	}
	key := memoKey{s, n}
	if v, ok := c.memo[key]; ok {
		if v == onStack {
			// The library answers a reference-cycle error here, but only after evaluating
			// the way back, and a count that stopped here would be wrong for the schemas on
			// the way when they are reached another way: refused instead.
			return errCycle
		}
		return c.spend(v)
	}
	if s.ContentSchema != nil || (s.RecursiveRef != nil && s.RecursiveRef.RecursiveAnchor) || dynamicallyResolved(s.DynamicRef) {
		// Resolved along the evaluation, to a schema of any resource in the evaluation's
		// scope, including subschemas no reference names (the library keeps every resource's
		// dynamic anchors), which this count cannot follow; and content is not asserted as
		// netweave compiles schemas. Refused rather than counted wrong.
		return errDynamic
	}
	c.memo[key] = onStack
	before := c.left
	if err := c.countAt(s, n, depth); err != nil {
		return err
	}
	c.memo[key] = before - c.left
	return nil
}

// onStack marks a memo entry whose count is under way.
const onStack = -1

func (c *counter) countAt(s *jsonschema.Schema, n *node, depth int) error {
	if err := c.spend(c.weight(s, n)); err != nil {
		return err
	}
	if err := c.all(n, depth, s.Ref, s.RecursiveRef, s.Not, s.If, s.Then, s.Else); err != nil {
		return err
	}
	if err := c.all(n, depth, s.AllOf...); err != nil {
		return err
	}
	if err := c.all(n, depth, s.AnyOf...); err != nil {
		return err
	}
	if err := c.all(n, depth, s.OneOf...); err != nil {
		return err
	}
	if s.DynamicRef != nil {
		// Not resolved along the evaluation (refused above): a plain reference.
		if err := c.count(s.DynamicRef.Ref, n, depth+1); err != nil {
			return err
		}
	}
	switch {
	case n.kind == objectNode:
		return c.countObject(s, n, depth)
	case n.kind == arrayNode:
		return c.countArray(s, n, depth)
	}
	return nil
}

// appliesInPlace says whether s applies other schemas at the place it applies to.
func appliesInPlace(s *jsonschema.Schema) bool {
	return s.Ref != nil || s.RecursiveRef != nil || s.DynamicRef != nil || s.Not != nil || s.If != nil ||
		s.Then != nil || s.Else != nil || len(s.AllOf) > 0 || len(s.AnyOf) > 0 || len(s.OneOf) > 0 ||
		len(s.DependentSchemas) > 0 || len(s.Dependencies) > 0 || s.ContentSchema != nil
}

// all adds the cost of applying each of subs at n.
func (c *counter) all(n *node, depth int, subs ...*jsonschema.Schema) error {
	for _, sub := range subs {
		if err := c.count(sub, n, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (c *counter) countObject(s *jsonschema.Schema, n *node, depth int) error {
	for i, name := range n.names {
		v := n.children[i]
		if sub, ok := s.DependentSchemas[name]; ok {
			if err := c.count(sub, n, depth+1); err != nil {
				return err
			}
		}
		if sub, ok := s.Dependencies[name].(*jsonschema.Schema); ok {
			if err := c.count(sub, n, depth+1); err != nil {
				return err
			}
		}
		if s.PropertyNames != nil {
			if err := c.count(s.PropertyNames, c.nameNode(n, i), depth+1); err != nil {
				return err
			}
		}
		sub, matched := s.Properties[name]
		if err := c.count(sub, v, depth+1); err != nil {
			return err
		}
		for re, sub := range s.PatternProperties {
			if !re.MatchString(name) {
				continue
			}
			matched = true
			if err := c.count(sub, v, depth+1); err != nil {
				return err
			}
		}
		if add, ok := s.AdditionalProperties.(*jsonschema.Schema); ok && !matched {
			if err := c.count(add, v, depth+1); err != nil {
				return err
			}
		}
		if err := c.count(s.UnevaluatedProperties, v, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (c *counter) countArray(s *jsonschema.Schema, n *node, depth int) error {
	positional, _ := s.Items.([]*jsonschema.Schema)
	every, _ := s.Items.(*jsonschema.Schema)
	additional, _ := s.AdditionalItems.(*jsonschema.Schema)
	for i, v := range n.children {
		var item, prefix *jsonschema.Schema
		if i < len(positional) {
			item = positional[i]
		} else {
			item = additional
		}
		if i < len(s.PrefixItems) {
			prefix = s.PrefixItems[i]
		} else {
			prefix = s.Items2020
		}
		if err := c.all(v, depth, s.Contains, s.UnevaluatedItems, every, item, prefix); err != nil {
			return err
		}
	}
	return nil
}

// weight is the library's work at one evaluation beyond the subschemas it applies: its enum
// and const comparisons (each up to the value's size), required and dependent names, a
// pattern matched along a string or against every property name (Go's regular expressions
// take time in proportion to the text times the pattern's program), a format checked along a
// string, uniqueItems hashing the items.
func (c *counter) weight(s *jsonschema.Schema, n *node) int {
	w := c.schemaWeight(s) + n.depth/locationTokensPerUnit
	if s.Enum != nil {
		w += len(s.Enum.Values) * n.size
	}
	if s.Const != nil {
		w += n.size
	}
	if n.kind == stringNode && s.Pattern != nil {
		w += c.matchCost(s.Pattern, len(n.str))
	}
	if n.kind == stringNode && s.Format != nil {
		if s.Format.Name == "regex" {
			// Compiling the string as a pattern costs its program, not its length: a
			// repetition expands its operand up to 1000 times, "(a|b){1000}" (11 bytes) took
			// 0.3 ms, and 20,000 such strings counted at a quarter unit a byte took 7 s.
			// Up to ~30 µs a byte was measured: a unit is ~1 µs.
			w += len(n.str) * 32
		} else {
			w += len(n.str) / 4
		}
	}
	if s.UniqueItems && n.kind == arrayNode {
		d, ok := c.dups[n]
		if !ok {
			d = duplicatesCost(n.items, MaxEvaluationCost+1)
			if c.dups == nil {
				c.dups = map[*node]int{}
			}
			c.dups[n] = d
		}
		w += n.size + d
	}
	if n.kind == objectNode || n.kind == arrayNode {
		// Every schema applied to an object or array walks its properties or items, here
		// and in the library, which, when an unevaluatedProperties or unevaluatedItems
		// applies there (or to the schema that applied this one: a path the memo does not
		// tell apart), copies the unevaluated set for each subschema applied in place and
		// merges it back: an allOf of 5,000 "{}" under "unevaluatedProperties" took 25 s
		// against 20,000 properties, counted 25,001 when each cost one.
		w += len(n.children)
	}
	if n.kind == objectNode {
		for re := range s.PatternProperties {
			w += len(n.names) + c.matchCost(re, n.nameBytes)
		}
	}
	return w
}

// schemaWeight is the part of s's weight that is the same wherever s applies: its required
// and dependent names and the text its messages quote. Computed once per schema, not at every
// evaluation (an enum of thousands of strings would be walked at each).
func (c *counter) schemaWeight(s *jsonschema.Schema) int {
	if w, ok := c.own[s]; ok {
		return w
	}
	w := 1 + len(s.Required) + len(s.DependentRequired) + dependentNames(s) + messageBytes(s)/messageBytesPerUnit
	if c.own == nil {
		c.own = map[*jsonschema.Schema]int{}
	}
	c.own[s] = w
	return w
}

// dependentNames is how many names the dependentRequired (or draft-07 dependencies) lists of
// s hold: the library checks each, and lists those missing in its error, for every object s
// applies to that has the property. A list of 25,000 names applied to 3,000 objects "{"a":1}"
// (cost 12,003 when a list weighed one) took 23 s and 8 GB.
func dependentNames(s *jsonschema.Schema) int {
	k := 0
	for _, names := range s.DependentRequired {
		k += len(names)
	}
	for _, d := range s.Dependencies {
		if names, ok := d.([]string); ok {
			k += len(names)
		}
	}
	return k
}

// messageBytes is how long the text of s that the library's error messages quote is: the
// const or enum strings, the pattern, the required and dependent names. leafErrors formats
// the message of up to maxLeafErrors failures: "const" of a 250 KB string against 5,000
// properties "y" (cost 15,001 when the string weighed nothing) took 2.9 s and 1.2 GB, a
// message a failure, ~12 ns a byte.
func messageBytes(s *jsonschema.Schema) int {
	k := 0
	if s.Const != nil {
		if str, ok := (*s.Const).(string); ok {
			k += len(str)
		}
	}
	if s.Enum != nil {
		for _, v := range s.Enum.Values {
			if str, ok := v.(string); ok {
				k += len(str)
			}
		}
	}
	if s.Pattern != nil {
		k += len(s.Pattern.String())
	}
	for _, name := range s.Required {
		k += len(name)
	}
	for _, names := range s.DependentRequired {
		for _, name := range names {
			k += len(name)
		}
	}
	for _, d := range s.Dependencies {
		if names, ok := d.([]string); ok {
			for _, name := range names {
				k += len(name)
			}
		}
	}
	return k
}

// messageBytesPerUnit is how many bytes of a message weigh a unit (~1 µs).
const messageBytesPerUnit = 64

// locationTokensPerUnit is how many tokens of a place's location weigh a unit. A failing
// evaluation costs the library a copy of the location and leafErrors a walk along it: 16,000
// failing anyOf branches at a place 450 deep (cost 33,806 when a place weighed the same at any
// depth) took the library 0.4 s and 132 MB, and 1.4 s and 654 MB with leafErrors.
const locationTokensPerUnit = 8

// matchCost is the weight of matching re along text bytes: a unit per 64 steps of its
// program (a step took up to ~15 ns in BenchmarkWorstCaseWithinBudget).
func (c *counter) matchCost(re jsonschema.Regexp, text int) int {
	src := re.String()
	insts, ok := c.insts[src]
	if !ok {
		insts = 64 // what a pattern costs that does not parse as Go's does
		if parsed, err := syntax.Parse(src, syntax.Perl); err == nil {
			if prog, err := syntax.Compile(parsed.Simplify()); err == nil {
				insts = len(prog.Inst)
			}
		}
		if c.insts == nil {
			c.insts = map[string]int{}
		}
		c.insts[src] = insts
	}
	return text * insts / 64
}

// reachable lists root and every schema reachable from it, each once.
func reachable(root *jsonschema.Schema) []*jsonschema.Schema {
	var all []*jsonschema.Schema
	seen := map[*jsonschema.Schema]bool{}
	stack := []*jsonschema.Schema{root}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if s == nil || seen[s] {
			continue
		}
		seen[s] = true
		all = append(all, s)
		stack = append(stack, subschemas(s)...)
	}
	return all
}

// dynamicallyResolved says whether d resolves along the evaluation: its initial target
// declares the $dynamicAnchor it names.
func dynamicallyResolved(d *jsonschema.DynamicRef) bool {
	return d != nil && d.Anchor != "" && d.Ref != nil && d.Ref.DynamicAnchor == d.Anchor
}

// subschemas lists every schema s refers to.
func subschemas(s *jsonschema.Schema) []*jsonschema.Schema {
	subs := []*jsonschema.Schema{s.Ref, s.RecursiveRef, s.Not, s.If, s.Then, s.Else, s.PropertyNames,
		s.UnevaluatedProperties, s.Contains, s.Items2020, s.UnevaluatedItems, s.ContentSchema}
	if s.DynamicRef != nil {
		subs = append(subs, s.DynamicRef.Ref)
	}
	subs = append(subs, s.AllOf...)
	subs = append(subs, s.AnyOf...)
	subs = append(subs, s.OneOf...)
	subs = append(subs, s.PrefixItems...)
	for _, m := range []map[string]*jsonschema.Schema{s.Properties, s.DependentSchemas} {
		for _, sub := range m {
			subs = append(subs, sub)
		}
	}
	for _, sub := range s.PatternProperties {
		subs = append(subs, sub)
	}
	for _, v := range []any{s.AdditionalProperties, s.Items, s.AdditionalItems} {
		switch v := v.(type) {
		case *jsonschema.Schema:
			subs = append(subs, v)
		case []*jsonschema.Schema:
			subs = append(subs, v...)
		}
	}
	for _, v := range s.Dependencies {
		if sub, ok := v.(*jsonschema.Schema); ok {
			subs = append(subs, sub)
		}
	}
	return subs
}

// maxNumberLength and maxNumberExponent bound the numbers a schema may write. The library
// turns a number into a big.Rat, from its text, every time it compares one (enum, const) or
// checks one as an integer, and the text's exponent is expanded: 1e-999999 (9 bytes, which
// decodes as 0) took 20 ms per comparison, so 100 values checked against "enum":[1e-999999]
// took 2 s for a count of 202. A float64 needs neither more digits nor a larger exponent.
const (
	maxNumberLength   = 64
	maxNumberExponent = 400
)

// checkNumbers refuses any number in v, a schema as the library decoded it, that is longer
// than maxNumberLength or whose exponent is beyond maxNumberExponent.
func checkNumbers(v any) error {
	switch v := v.(type) {
	case map[string]any:
		for _, sub := range v {
			if err := checkNumbers(sub); err != nil {
				return err
			}
		}
	case []any:
		for _, sub := range v {
			if err := checkNumbers(sub); err != nil {
				return err
			}
		}
	case json.Number:
		lit := string(v)
		if len(lit) > maxNumberLength {
			return fmt.Errorf("must write numbers in at most %d characters, not %d", maxNumberLength, len(lit))
		}
		if i := strings.IndexAny(lit, "eE"); i >= 0 {
			if e, err := strconv.Atoi(strings.TrimPrefix(lit[i+1:], "+")); err != nil || e > maxNumberExponent || e < -maxNumberExponent {
				return fmt.Errorf("must write numbers with an exponent of at most %d, not %s", maxNumberExponent, lit)
			}
		}
	}
	return nil
}

// duplicatesCost is an upper bound of the comparisons the library makes, beyond hashing each
// item, to check that items has no duplicates (uniqueItems), in places compared, stopping
// past limit. The library compares each item with every earlier item of the same hash, and
// hashes a byte stream that does not tell ["a\u0004","b"] from ["a","\u0004b"], nor 1 from
// -1: 1,001 distinct arrays of 90 zeros and five such strings (250 KB) took it 18 s to check,
// as a document's array counted 97,000 (a place each), or as a draft-04 or draft-06 schema's
// enum against its metaschema, in Compile. The stream is hashed here as the library does, so
// the same items collide.
func duplicatesCost(items []any, limit int) int {
	if len(items) < 2 {
		return 0
	}
	seed := maphash.MakeSeed()
	// earlier counts the items hashed so far, by hash.
	earlier := map[uint64]int{}
	cost := 0
	for i, item := range items {
		var h maphash.Hash
		h.SetSeed(seed)
		size := hashStream(item, &h)
		sum := h.Sum64()
		// Compared with each earlier item of its hash, at most its own places each time
		// (a length or a type that differs answers at once).
		cost += earlier[sum] * size
		if len(items) <= 20 {
			// The library compares every pair of up to 20 items, hashing none.
			cost += i * size
		}
		earlier[sum]++
		if cost > limit {
			return cost
		}
	}
	return cost
}

// hashStream writes v to h as the library's writeHash does and returns how many places v has.
func hashStream(v any, h *maphash.Hash) int {
	switch v := v.(type) {
	case map[string]any:
		_ = h.WriteByte(0)
		props := make([]string, 0, len(v))
		for prop := range v {
			props = append(props, prop)
		}
		slices.Sort(props)
		size := 1
		for _, prop := range props {
			hashStream(prop, h)
			size += hashStream(v[prop], h)
		}
		return size
	case []any:
		_ = h.WriteByte(1)
		size := 1
		for _, item := range v {
			size += hashStream(item, h)
		}
		return size
	case nil:
		_ = h.WriteByte(2)
	case bool:
		_ = h.WriteByte(3)
		if v {
			_ = h.WriteByte(1)
		} else {
			_ = h.WriteByte(0)
		}
	case string:
		_ = h.WriteByte(4)
		_, _ = h.WriteString(v)
	case json.Number:
		_ = h.WriteByte(5)
		if num, ok := new(big.Rat).SetString(string(v)); ok {
			_, _ = h.Write(num.Num().Bytes())
			_, _ = h.Write(num.Denom().Bytes())
		}
	}
	return 1
}

// checkDuplicates refuses a schema, as the library decoded it, whose enum values would cost
// the library more than budget to tell apart (see duplicatesCost): the draft-04 and draft-06
// metaschemas check that they are unique. Their other uniqueItems arrays hold strings, whose
// hashes differ. An enum's values are not walked further, so each place is hashed here once.
func checkDuplicates(v any, budget int) error {
	left := budget
	return walkMembers(v, func(key string, value any) (bool, error) {
		values, ok := value.([]any)
		if !ok || key != "enum" {
			return true, nil
		}
		left -= duplicatesCost(values, left)
		if left < 0 {
			return false, fmt.Errorf("must not have enum values that would take more than %d steps to tell apart", budget)
		}
		return false, nil
	})
}

// maxPatternInsts bounds the programs of a schema's patterns (pattern values and
// patternProperties names), all together, as patternInsts estimates them. The library
// compiles each twice (checking it as a regex format, then for use) at ~1 µs an instruction,
// and a repetition expands its operand up to 1000 times: 9,000 patternProperties names
// "(a|b){1000}N" (206 KB) took 27 s to compile, an allOf of 4,900 {"pattern":"[\\pL\\pN]{1000}"}
// 3 s.
const maxPatternInsts = MaxEvaluationCost

// checkPatterns refuses a schema, as the library decoded it, whose patterns would take more
// than maxPatternInsts instructions.
func checkPatterns(v any) error {
	left := maxPatternInsts
	return walkMembers(v, func(key string, value any) (bool, error) {
		if str, ok := value.(string); ok && key == "pattern" {
			left -= patternInsts(str, left)
		}
		if m, ok := value.(map[string]any); ok && key == "patternProperties" {
			for re := range m {
				left -= patternInsts(re, left)
			}
		}
		if left < 0 {
			return false, fmt.Errorf("must have patterns that compile to at most %d instructions, all together", maxPatternInsts)
		}
		return true, nil
	})
}

// walkMembers calls visit with every member of every object in v, JSON as the library decoded
// it, and walks into the member's value when visit says so, until visit fails.
func walkMembers(v any, visit func(key string, value any) (descend bool, err error)) error {
	switch v := v.(type) {
	case map[string]any:
		for k, sub := range v {
			descend, err := visit(k, sub)
			if err != nil {
				return err
			}
			if descend {
				if err := walkMembers(sub, visit); err != nil {
					return err
				}
			}
		}
	case []any:
		for _, sub := range v {
			if err := walkMembers(sub, visit); err != nil {
				return err
			}
		}
	}
	return nil
}

// patternInsts estimates, from above and without compiling it, how many instructions src
// compiles to, stopping past limit.
func patternInsts(src string, limit int) int {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return 1 + len(src)
	}
	var size func(re *syntax.Regexp) int
	size = func(re *syntax.Regexp) int {
		n := 1 + len(re.Rune)/2
		for _, sub := range re.Sub {
			n += size(sub)
		}
		if re.Op == syntax.OpRepeat {
			times := max(re.Min, re.Max) + 1
			n = min(limit+1, n*times)
		}
		return min(limit+1, n)
	}
	return size(re)
}
