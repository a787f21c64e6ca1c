from tests.factories import base_dataset, http_event, LambdaContext, OWNER_KEY
import time

def test_smoke(store, invoke, reassign_app):
    store.load(base_dataset())
    t=time.time()
    r = invoke({"bookingUid": "b-1", "actorUserId": 1})
    print(r, time.time()-t)
    t=time.time()
    r = reassign_app.lambda_handler(http_event("/bookings/b-1/reassign", headers={"Idempotency-Key": "k"}), LambdaContext())
    print(r, time.time()-t)
    for i in store.scan(): print(i)
    print(store.scan("OutboxTable"))
    print(store.scan("IdempotencyTable"))
    print(store.tables)
