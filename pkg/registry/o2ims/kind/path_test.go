package kind

import "sigs.k8s.io/structured-merge-diff/v6/fieldpath"

func mustPath(parts ...interface{}) fieldpath.Path { return fieldpath.MakePathOrDie(parts...) }
