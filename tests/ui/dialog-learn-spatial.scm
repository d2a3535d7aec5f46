; tests/ui/dialog-learn-spatial.scm: the Learn dialog on a pair whose after
; has a vignette and local contrast (the before under
; tests/fuzz/corpus/look/garden-spatial.look).  The preview fits the
; spatial parts on reduced copies and shows all of them on the layer; its
; status line says that a .cube cannot hold them.
(let* ((img (gimp-file-load RUN-NONINTERACTIVE
                            (string-append data-dir "/sample/garden-before.png")))
       (before (vector-ref (gimp-image-get-layers img) 0))
       (after (gimp-layer-copy before))
       (target (gimp-layer-copy before)))
  (gimp-image-insert-layer img after 0 0)
  (gimp-item-set-name after "after, vignetted")
  (plug-in-looklab-apply #:run-mode RUN-NONINTERACTIVE #:image img
                         #:drawables (vector after)
                         #:file (string-append data-dir
                                  "/../tests/fuzz/corpus/look/garden-spatial.look"))
  (gimp-image-insert-layer img target 0 0)
  (gimp-item-set-name target "to apply to")
  (gimp-image-set-selected-layers img (vector target))
  (gimp-display-new img)
  (plug-in-looklab-learn #:run-mode RUN-INTERACTIVE #:image img
                         #:drawables (vector target)
                         #:before before #:after after))
