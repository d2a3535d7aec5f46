; tests/plugin/lib.scm: checks for LookLab's Script-Fu tests (v3 dialect).
; Every check prints "PASS name" or "FAIL name: why"; run-gimp.sh fails the
; test on any FAIL, on a missing LOOKLAB-DONE, or on a GIMP error.

(script-fu-use-v3)

(define (check name ok . why)
  (if ok
      (begin (display "PASS ") (display name) (newline))
      (begin (display "FAIL ") (display name)
             (if (pair? why) (begin (display ": ") (display why)))
             (newline)))
  ok)

(define (done)
  (if (pair? pending-checks)
      (let ((port (open-output-file (path "checks.txt"))))
        (for-each (lambda (line) (display line port) (newline port))
                  (reverse pending-checks))
        (close-output-port port)))
  (display "LOOKLAB-DONE") (newline))

(define (path name) (string-append test-dir "/" name))

; (try thunk) -> (ok . value) or (error . message-list): runs THUNK and
; catches a Scheme error (a PDB call that returned an error raises one in
; v3), keeping its message.
(define (try thunk)
  (call-with-current-continuation
    (lambda (k)
      (let ((old *error-hook*))
        (set! *error-hook*
              (lambda args (set! *error-hook* old) (k (cons 'error args))))
        (let ((v (thunk)))
          (set! *error-hook* old)
          (cons 'ok v))))))

(define (failed? r) (eq? (car r) 'error))

(define (error-text r)
  (let loop ((parts (cdr r)) (acc ""))
    (if (null? parts)
        acc
        (loop (cdr parts)
              (string-append acc
                             (if (string? (car parts))
                                 (car parts)
                                 "?")
                             " ")))))

; Whether string S contains string PART.
(define (contains? s part)
  (let ((n (string-length s)) (m (string-length part)))
    (let loop ((i 0))
      (cond ((> (+ i m) n) #f)
            ((string=? (substring s i (+ i m)) part) #t)
            (else (loop (+ i 1)))))))

(define (write-text name text)
  (let ((port (open-output-file (path name))))
    (display text port)
    (close-output-port port)
    (path name)))

; A new RGB(A) image of W x H filled with COLOUR (a list of 0-255).
(define (make-image w h type colour)
  (let* ((img (gimp-image-new w h RGB))
         (layer (gimp-layer-new img "layer" w h type 100 LAYER-MODE-NORMAL)))
    (gimp-image-insert-layer img layer 0 0)
    (gimp-context-set-foreground colour)
    (gimp-drawable-fill layer FILL-FOREGROUND)
    (list img layer)))

(define (pixel d x y) (gimp-drawable-get-pixel d x y))

; Reads every pixel of D (small drawables only) as a list of lists.
(define (all-pixels d)
  (let ((w (gimp-drawable-get-width d)) (h (gimp-drawable-get-height d)))
    (let yloop ((y 0) (acc '()))
      (if (= y h)
          (reverse acc)
          (yloop (+ y 1)
                 (let xloop ((x 0) (acc acc))
                   (if (= x w) acc
                       (xloop (+ x 1) (cons (pixel d x y) acc)))))))))

; Whether lists A and B of numbers differ by at most TOL everywhere.
(define (close? a b tol)
  (cond ((and (null? a) (null? b)) #t)
        ((or (null? a) (null? b)) #f)
        ((and (pair? (car a)) (pair? (car b)))
         (and (close? (car a) (car b) tol) (close? (cdr a) (cdr b) tol)))
        ((and (number? (car a)) (number? (car b)))
         (and (<= (abs (- (car a) (car b))) tol) (close? (cdr a) (cdr b) tol)))
        (else #f)))

; Queues a look-check command line; (done) writes them to checks.txt,
; which run-gimp.sh runs after GIMP quits.
(define pending-checks '())
(define (add-check . words)
  (set! pending-checks
        (cons (let loop ((w words) (acc ""))
                (if (null? w) acc
                    (loop (cdr w) (string-append acc (car w) " "))))
              pending-checks)))

; Loads FILE as a new image; returns (image first-layer).
(define (load-image file)
  (let ((img (gimp-file-load RUN-NONINTERACTIVE file)))
    (list img (vector-ref (gimp-image-get-layers img) 0))))

; Adds FILE as a new top layer of IMG; returns the layer.
(define (add-layer img file)
  (let ((layer (gimp-file-load-layer RUN-NONINTERACTIVE img file)))
    (gimp-image-insert-layer img layer 0 0)
    layer))

; Writes DRAWABLE alone as PNG file NAME in test-dir; returns the path.
(define (export-png drawable name)
  (let* ((w (gimp-drawable-get-width drawable))
         (h (gimp-drawable-get-height drawable))
         (img (gimp-image-new w h RGB))
         (copy (gimp-layer-new-from-drawable drawable img)))
    (gimp-image-insert-layer img copy 0 0)
    (if (not (= (gimp-image-get-precision img) PRECISION-U8-NON-LINEAR))
        (gimp-image-convert-precision img PRECISION-U8-NON-LINEAR))
    (file-png-export #:run-mode RUN-NONINTERACTIVE #:image img
                     #:file (path name))
    (gimp-image-delete img)
    (path name)))
