// Package lifecycle manages the life of CI images in registries, as the containers org's
// automation_images does for its VM images: every image build gets a unique, sortable suffix
// (its IMG_SFX); every use of an image is recorded; images unused for a while become obsolete
// (their tag moves under an obsolete- prefix, so a reference by tag fails but the image is there
// to restore), and images obsolete for a while longer are pruned (deleted by digest). Images
// used by release branches are kept for good, and an image both obsolete and kept is refused:
// the run prunes nothing and fails after obsoleting the others. Plans come first and a dry run
// is the default, as in publish.
//
// Where the registry world differs from GCE's: an image is a tag of a repository
// (<registry>/<name>:c<IMG_SFX>) instead of a VM image named <name>-c<IMG_SFX>; uses live in a
// bucket table (Store.Touch), not in a last-used label; a registry keeps no creation time, so
// an image never used is aged by the build time its tag's suffix names; keeping for good is a
// keep record the CI step writes (Store.Keep), with no branch rule; an obsolete tag no longer
// pulls, but its digest still does, where GCE refuses an obsolete image altogether; the safety
// net's maximum takes the longest unused first, not a random choice; and a digest another tag,
// a keep record or a pinned reference names is never pruned, a rule GCE has no need of.
//
// Usage records live in a bucket (publish.Bucket), one table per repository, each change a
// conditional write retried on conflict, so that concurrent CI jobs never lose a record; the
// registry holds only images.
//
// It may import publish, digest and internal packages.
package lifecycle
