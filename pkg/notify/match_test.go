package notify

import "testing"

func TestFilterRule(t *testing.T) {
	byPool := "(eq,resourcePoolId," + poolID + ")"
	for _, tc := range []struct {
		name   string
		filter string
		ev     *Event
		want   bool
	}{
		{"no filter sends everything", "", event(Create, nil, pool("a")), true},
		{"create matching post", byPool, event(Create, nil, resourceIn(poolID, "x")), true},
		{"create not matching", byPool, event(Create, nil, resourceIn(poolID2, "x")), false},
		{"moved out: prior matches", byPool, event(Modify, resourceIn(poolID, "x"), resourceIn(poolID2, "x")), true},
		{"moved in: post matches", byPool, event(Modify, resourceIn(poolID2, "x"), resourceIn(poolID, "x")), true},
		{"modified elsewhere", byPool, event(Modify, resourceIn(poolID2, "x"), resourceIn(poolID2, "y")), false},
		{"delete: prior matches", byPool, event(Delete, resourceIn(poolID, "x"), nil), true},
		{"neq holds when leaving the value", "(neq,description,x)", event(Modify, resourceIn(poolID, "x"), resourceIn(poolID, "y")), true},
		{"neq fails when staying at the value", "(neq,description,x)", event(Modify, resourceIn(poolID, "x"), resourceIn(poolID, "x")), false},
		{"objectType selects the kind", "(eq,objectType,Resource)", event(Create, nil, resourceIn(poolID, "x")), true},
		{"objectType excludes other kinds", "(eq,objectType,Resource)", event(Create, nil, pool("a")), false},
		{"objectType with in", "(in,objectType,ResourcePool,ResourceType)", event(Create, nil, pool("a")), true},
		{"evaluation errors do not match", "(eq,extensions,x)", event(Create, nil, pool("a")), false},
		{"attribute missing on the kind", "(eq,resourceId," + resourceID + ")", event(Create, nil, pool("a")), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, ok, err := BuildBody(compile(t, tc.filter, 1), access{}, tc.ev, nil)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.want {
				t.Errorf("sent = %v, want %v", ok, tc.want)
			}
		})
	}
}
