package kind

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apiserver/pkg/registry/rest"
)

// tableConvertor renders the kind's columns for `kubectl get`.
type tableConvertor struct {
	kind    *Kind
	columns []metav1.TableColumnDefinition
	now     func() time.Time
}

var _ rest.TableConvertor = &tableConvertor{}

func newTableConvertor(k *Kind) *tableConvertor {
	cols := []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the object in Kubernetes"},
	}
	for _, c := range k.Columns {
		cols = append(cols, metav1.TableColumnDefinition{Name: c.Name, Type: c.Type, Description: c.Description, Priority: c.Priority})
	}
	cols = append(cols, metav1.TableColumnDefinition{Name: "Age", Type: "date", Description: "Time since the object was created"})
	return &tableConvertor{kind: k, columns: cols, now: time.Now}
}

// ConvertToTable implements rest.TableConvertor for one object or a list.
func (t *tableConvertor) ConvertToTable(_ context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	table := &metav1.Table{}
	if opts, ok := tableOptions.(*metav1.TableOptions); !ok || !opts.NoHeaders {
		table.ColumnDefinitions = t.columns
	}
	var objs []runtime.Object
	if meta.IsListType(object) {
		items, err := meta.ExtractList(object)
		if err != nil {
			return nil, fmt.Errorf("extract %s list for table: %w", t.kind.Resource, err)
		}
		objs = items
		if l, err := meta.ListAccessor(object); err == nil {
			table.ResourceVersion = l.GetResourceVersion()
			table.Continue = l.GetContinue()
			table.RemainingItemCount = l.GetRemainingItemCount()
		}
	} else {
		objs = []runtime.Object{object}
		if m, err := meta.Accessor(object); err == nil {
			table.ResourceVersion = m.GetResourceVersion()
		}
	}
	table.Rows = make([]metav1.TableRow, 0, len(objs))
	for _, obj := range objs {
		m, err := meta.Accessor(obj)
		if err != nil {
			return nil, fmt.Errorf("read metadata for table: %w", err)
		}
		cells := make([]interface{}, 0, len(t.columns))
		cells = append(cells, m.GetName())
		for _, c := range t.kind.Columns {
			cells = append(cells, c.Cell(obj))
		}
		cells = append(cells, t.age(m.GetCreationTimestamp()))
		table.Rows = append(table.Rows, metav1.TableRow{Cells: cells, Object: runtime.RawExtension{Object: obj}})
	}
	return table, nil
}

func (t *tableConvertor) age(ts metav1.Time) string {
	if ts.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(t.now().Sub(ts.Time))
}
