// Package lifecycle manages the life of CI images in registries, as the containers org does
// for its VM images: every image build gets a unique, sortable suffix; every use of an image
// is recorded; images unused for a while become obsolete (their tag moves under an obsolete-
// prefix, so a reference by tag fails but the image is there to restore), and images obsolete
// for a while longer are pruned (deleted by digest). Images used by release branches are kept
// for good, and an image both obsolete and kept is an error that stops the run. Plans come
// first and a dry run is the default, as in publish.
//
// Usage records live in a bucket (publish.Bucket), one table per repository, each change a
// conditional write retried on conflict, so that concurrent CI jobs never lose a record; the
// registry holds only images.
//
// It may import publish, digest and internal packages.
package lifecycle
