; tests/ui/dialog-learn-unaligned.scm: the Learn dialog on a pair whose
; after was cropped and scaled to 0.75x (another size than the before).
; With align "auto" (the default) the preview registers the after on the
; before and its status line says how it was matched; the preview shows
; the before, with the after's outline (corner at 70, 40) drawn on it.
(let* ((img (gimp-file-load RUN-NONINTERACTIVE
                            (string-append data-dir "/sample/garden-before.png")))
       (before (vector-ref (gimp-image-get-layers img) 0))
       (img2 (gimp-file-load RUN-NONINTERACTIVE
                             (string-append data-dir "/sample/garden-after.png")))
       (after #f))
  (gimp-image-crop img2 800 500 70 40)
  (gimp-image-scale img2 600 375)
  (set! after (gimp-layer-new-from-drawable
               (vector-ref (gimp-image-get-layers img2) 0) img))
  (gimp-image-delete img2)
  (gimp-image-insert-layer img after 0 0)
  (gimp-item-set-name after "after, cropped and scaled")
  (gimp-image-set-selected-layers img (vector before))
  (gimp-display-new img)
  (plug-in-looklab-learn #:run-mode RUN-INTERACTIVE #:image img
                         #:drawables (vector before)
                         #:before before #:after after))
