; tests/ui/dialog-colorize.scm: the bundled photo without its colour (an RGB
; image, so that a layer of hints can hold red), a hidden layer of red hints
; on the ladybird, then the Colorize dialog with its live preview.
(let* ((img (gimp-file-load RUN-NONINTERACTIVE
                            (string-append data-dir "/sample/ladybird.png")))
       (photo (vector-ref (gimp-image-get-layers img) 0))
       (w (gimp-image-get-width img))
       (h (gimp-image-get-height img))
       (hints (gimp-layer-new img "hints" w h RGBA-IMAGE 100
                              LAYER-MODE-NORMAL)))
  (gimp-drawable-desaturate photo DESATURATE-LUMINANCE)
  (gimp-image-insert-layer img hints 0 0)
  (gimp-drawable-fill hints FILL-TRANSPARENT)
  (gimp-image-select-ellipse img CHANNEL-OP-REPLACE
                             (* w 0.45) (* h 0.4) (* w 0.1) (* h 0.12))
  (gimp-context-set-foreground '(220 20 20))
  (gimp-drawable-edit-fill hints FILL-FOREGROUND)
  (gimp-selection-none img)
  (gimp-item-set-visible hints #f)
  (gimp-image-set-selected-layers img (vector photo))
  (gimp-display-new img)
  (plug-in-looklab-colorize #:run-mode RUN-INTERACTIVE #:image img
                            #:drawables (vector photo) #:hints hints))
