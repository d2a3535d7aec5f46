; tests/ui/dialog-match.scm: a photo under a graded reference layer; opens
; the Match dialog on the photo.  The reference chooser should default to
; the graded layer (the topmost that is not the photo) and the preview
; show the matched look on the photo, with how far the reference moved in
; the status line.
(let* ((img (gimp-file-load RUN-NONINTERACTIVE
                            (string-append data-dir "/sample/ladybird.png")))
       (photo (vector-ref (gimp-image-get-layers img) 0))
       (graded (gimp-file-load-layer RUN-NONINTERACTIVE img
                 (string-append data-dir "/sample/garden-after.png"))))
  (gimp-image-insert-layer img graded 0 0)
  (gimp-image-set-selected-layers img (vector photo))
  (gimp-display-new img)
  (plug-in-looklab-match #:run-mode RUN-INTERACTIVE #:image img
                         #:drawables (vector photo)))
