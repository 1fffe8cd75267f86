;; Problem: Analyze 1000 customer support tickets → identify root causes → solutions
;; Unknown: Should we cluster first? LLM-extract? Keyword filter?

;; Step 1: Provide data sample to planner
(define sample (py-exec "
import json
tickets = json.loads(context) if isinstance(context, str) else context
print(json.dumps({'total': len(tickets), 'sample': tickets[:5]}, indent=2))
"))

;; Step 2: Planning phase - LLM designs orchestration strategy
(define orchestration-plan (unsafe-raw-query
  #:instruction (string-append
    "Design orchestration strategy for customer support analysis.

DATA: 1000 tickets (JSON: id, title, description, priority, category)
SAMPLE: " sample "

GOAL: Identify top 5 root causes + solutions prioritized by impact

AVAILABLE TOOLS:
- llm-query / llm-query-async - call sub-models
- map-async - parallel processing (batching)
- py-exec / py-eval - Python (clustering, NLP, stats)
- py-set! - data transfer
- checkpoint / restore - persistence

STRATEGIES (choose best for THIS data):
- A) LLM-extract issues from all tickets (expensive, high quality)
- B) Clustering + LLM on centroids (cheaper, may miss nuance)
- C) Keyword filter → LLM on filtered (hybrid)

TASK: Write Scheme code that:
1. Processes tickets (choose optimal strategy based on sample)
2. Identifies root causes
3. Generates solutions
4. Prioritizes by impact
5. Sets variable `final_report` (string)
6. Does NOT call (finish)

Return ONLY the Scheme code.")
  #:model "gpt-4.1"  ;; Strong at code generation + planning
  #:temperature 0.0
  #:max-tokens 3000))

(display "=== GENERATED STRATEGY ===\n")
(display orchestration-plan)
(display "\n\n=== EXECUTING STRATEGY ===\n")

;; Step 3: Execute generated strategy in sub-sandbox
(unsafe-exec-sub-output (datum->syntax #f orchestration-plan))

;; Step 4: Retrieve result
(define result (finish-var "final_report"))
(finish result)
